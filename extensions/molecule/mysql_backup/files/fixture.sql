-- Test data for the mysql_backup scenario: InnoDB and MyISAM tables, a foreign key, a generated column, a
-- fulltext index, a view, a trigger, a procedure, a function, an event, BLOBs of every byte value, and 4-byte
-- UTF-8 text (emoji, CJK extension B, musical symbols). Read by the mariadb client with utf8mb4.
SET SESSION max_recursive_iterations = 100000;
DROP DATABASE IF EXISTS shop;
DROP DATABASE IF EXISTS `odd-name$données`;
DROP DATABASE IF EXISTS shop_restored;
CREATE DATABASE shop CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
-- a name that needs quoting and percent-encoding, and another character set
CREATE DATABASE `odd-name$données` CHARACTER SET latin1 COLLATE latin1_swedish_ci;

USE shop;
CREATE TABLE customers (
  id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(190) NOT NULL,
  note TEXT NULL,
  created DATETIME(6) NOT NULL DEFAULT '2024-01-01 00:00:00.000000',
  UNIQUE KEY by_email (email)
) ENGINE=InnoDB;
CREATE TABLE orders (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  total DECIMAL(12,2) NOT NULL,
  KEY by_customer (customer_id),
  CONSTRAINT orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id)
) ENGINE=InnoDB;
CREATE TABLE attachments (
  id INT PRIMARY KEY,
  label VARCHAR(100) NOT NULL,
  data LONGBLOB NULL,
  digest CHAR(64) AS (SHA2(data, 256)) STORED
) ENGINE=InnoDB;
CREATE TABLE notes (
  id INT AUTO_INCREMENT PRIMARY KEY,
  body TEXT NOT NULL,
  FULLTEXT KEY body_ft (body)
) ENGINE=MyISAM DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE audit (
  id INT AUTO_INCREMENT PRIMARY KEY,
  customer_id INT NOT NULL,
  action VARCHAR(20) NOT NULL
) ENGINE=MyISAM;

CREATE TRIGGER customers_audit AFTER INSERT ON customers FOR EACH ROW
  INSERT INTO audit (customer_id, action) VALUES (NEW.id, 'insert');

CREATE VIEW customer_totals AS
  SELECT c.id, c.name, COALESCE(SUM(o.total), 0) AS total
  FROM customers c LEFT JOIN orders o ON o.customer_id = c.id
  GROUP BY c.id, c.name;

DELIMITER ;;
CREATE PROCEDURE order_count(IN cid INT, OUT n INT)
  READS SQL DATA
  COMMENT 'orders of one customer'
BEGIN
  SELECT COUNT(*) INTO n FROM orders WHERE customer_id = cid;
END;;
CREATE FUNCTION greeting(who VARCHAR(50)) RETURNS VARCHAR(80) CHARSET utf8mb4
  DETERMINISTIC
  RETURN CONCAT('👋 hello ', who, ' 🎉');;
DELIMITER ;

CREATE EVENT purge_audit ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit WHERE id < 0;

INSERT INTO customers (name, email, note)
  WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 2000)
  SELECT CONCAT('Kunde ', n, ' 😀'), CONCAT('c', n, '@example.invalid'),
         IF(n % 7 = 0, NULL, CONCAT('note ', n, ' 𝄞 𠜎 ✓'))
  FROM seq;
INSERT INTO orders (customer_id, total)
  WITH RECURSIVE seq (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 5000)
  SELECT 1 + (n * 7919) % 2000, (n % 1000) + 0.99 FROM seq;
INSERT INTO attachments (id, label, data)
  WITH RECURSIVE b (n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM b WHERE n < 255)
  SELECT 1, 'every byte value', UNHEX(GROUP_CONCAT(LPAD(HEX(n), 2, '0') ORDER BY n SEPARATOR '')) FROM b;
INSERT INTO attachments (id, label, data) VALUES
  (2, 'one MiB', REPEAT(UNHEX('00FF7F80E29C935C27220A0D1A'), 80660)),
  (3, 'empty', ''),
  (4, 'null', NULL);
INSERT INTO notes (body) VALUES
  ('🚀 launch day'),
  ('emoji 😀😃😄, CJK extension B 𠜎𠜱, music 𝄞'),
  ('quote '' backslash \\ tab \t newline \n end'),
  ('');

USE `odd-name$données`;
CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20) NOT NULL) ENGINE=InnoDB;
INSERT INTO t VALUES (1, 'café'), (2, 'naïve');

-- the least-privilege account of a backup without the restore check
CREATE OR REPLACE USER 'backup_ro'@'127.0.0.1' IDENTIFIED BY 'backup-ro-SECRET';
GRANT SELECT, SHOW VIEW, TRIGGER, LOCK TABLES, EVENT ON *.* TO 'backup_ro'@'127.0.0.1';
