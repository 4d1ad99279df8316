DROP TABLE org_join_requests;
