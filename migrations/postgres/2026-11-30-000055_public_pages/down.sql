DROP TABLE certifying_statements;
DROP TABLE public_forms;
DROP TABLE regulations_acceptances;
DROP TABLE centre_regulations;
