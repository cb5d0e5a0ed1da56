-- The ledger of the mysql_restore scenario: 1000000 spread over two databases with their own character sets and
-- collations, a MyISAM audit table, an application account with a role, and an account the target also has.
CREATE DATABASE bank_a CHARACTER SET latin1 COLLATE latin1_german1_ci;
CREATE DATABASE bank_b CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE TABLE bank_a.accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE bank_a.moves (id INT PRIMARY KEY, n BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE bank_b.accounts (id INT PRIMARY KEY, owner VARCHAR(40) NOT NULL, balance BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE bank_b.audit (id INT AUTO_INCREMENT PRIMARY KEY, move BIGINT NOT NULL) ENGINE=MyISAM;
INSERT INTO bank_a.accounts SELECT seq, CONCAT('Müller ', seq), 5000 FROM bank_a.seq_1_to_100;
INSERT INTO bank_b.accounts SELECT seq, CONCAT('Zoë 😀 ', seq), 5000 FROM bank_a.seq_1_to_100;
INSERT INTO bank_a.moves VALUES (1, 0);
CREATE ROLE teller;
GRANT SELECT ON bank_b.* TO teller;
CREATE USER 'app'@'%' IDENTIFIED BY 'app-pass-SECRET-7d1c';
GRANT SELECT, UPDATE ON bank_a.* TO 'app'@'%';
GRANT teller TO 'app'@'%';
SET DEFAULT ROLE teller FOR 'app'@'%';
CREATE USER 'keeper'@'%' IDENTIFIED BY 'keeper-source-SECRET-1';
GRANT SELECT ON bank_a.* TO 'keeper'@'%';
