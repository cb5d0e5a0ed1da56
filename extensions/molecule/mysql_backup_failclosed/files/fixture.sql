-- Test data for the mysql_backup_failclosed scenario.
DROP DATABASE IF EXISTS failclosed;
CREATE DATABASE failclosed CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
USE failclosed;
CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20) NOT NULL) ENGINE=InnoDB;
INSERT INTO t VALUES (1, 'alpha'), (2, 'beta'), (3, '😀');
CREATE FUNCTION answer() RETURNS INT DETERMINISTIC RETURN 42;
