DROP TABLE centre_bulk_runs;
