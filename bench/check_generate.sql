-- Consistency checks for data made by bench/generate.py. Every row must show bad = 0.
--   psql -h 127.0.0.1 -U postgres -d debitor_bench -f bench/check_generate.sql
\pset footer off
WITH alloc AS (
    SELECT invoice_id, sum(amount_kopecks) AS s FROM payment_allocations
    WHERE reversed_at IS NULL GROUP BY invoice_id
), pay_alloc AS (
    SELECT payment_id, sum(amount_kopecks) AS s FROM payment_allocations
    WHERE reversed_at IS NULL GROUP BY payment_id
), lines AS (
    SELECT invoice_id, sum(amount_kopecks) AS amount, sum(vat_kopecks) AS vat, count(*) AS n
    FROM invoice_lines GROUP BY invoice_id
), years AS (
    SELECT number_year, max(number_seq) AS mx, count(*) AS n, count(DISTINCT number_seq) AS nd
    FROM invoices WHERE kind = 'invoice' AND number_seq IS NOT NULL GROUP BY number_year
), paid_day AS (
    SELECT a.invoice_id, max(p.received_on) AS d FROM payment_allocations a
    JOIN payments p ON p.id = a.payment_id WHERE a.reversed_at IS NULL GROUP BY a.invoice_id
)
SELECT 'invoice paid = sum of active allocations' AS check_name, count(*) AS bad
  FROM invoices i LEFT JOIN alloc a ON a.invoice_id = i.id WHERE i.paid_kopecks <> coalesce(a.s, 0)
UNION ALL SELECT 'payment applied = sum of active allocations', count(*)
  FROM payments p LEFT JOIN pay_alloc a ON a.payment_id = p.id WHERE p.applied_kopecks <> coalesce(a.s, 0)
UNION ALL SELECT 'payment state matches applied/amount', count(*) FROM payments
  WHERE state <> CASE WHEN applied_kopecks = 0 THEN 'unmatched'
                      WHEN applied_kopecks < amount_kopecks THEN 'partially_applied' ELSE 'applied' END
UNION ALL SELECT 'allocation payer in the invoice client group', count(*)
  FROM payment_allocations a JOIN payments p ON p.id = a.payment_id JOIN invoices i ON i.id = a.invoice_id
  JOIN clients c ON c.id = i.client_id
  WHERE p.client_id IS NOT NULL AND p.client_id <> i.client_id AND c.parent_id IS DISTINCT FROM p.client_id
UNION ALL SELECT 'invoice state matches paid amount', count(*) FROM invoices
  WHERE (state = 'paid' AND (paid_kopecks <> total_kopecks OR paid_on IS NULL))
     OR (state = 'partially_paid' AND NOT (paid_kopecks > 0 AND paid_kopecks < total_kopecks))
     OR (state IN ('draft', 'issued', 'cancelled') AND paid_kopecks <> 0)
     OR (state <> 'paid' AND paid_on IS NOT NULL)
UNION ALL SELECT 'paid_on = last payment day', count(*)
  FROM invoices i JOIN paid_day d ON d.invoice_id = i.id WHERE i.state = 'paid' AND i.paid_on <> d.d
UNION ALL SELECT 'drafts unnumbered, others numbered in issue year', count(*) FROM invoices
  WHERE (state = 'draft' AND (number_seq IS NOT NULL OR issued_on IS NOT NULL))
     OR (state <> 'draft' AND (number_seq IS NULL OR number_year <> extract(year FROM issued_on)))
UNION ALL SELECT 'gapless numbers per year (max = count = distinct)', count(*) FROM years
  WHERE mx <> n OR nd <> n
UNION ALL SELECT 'document_counters.last_value = max number', count(*)
  FROM years y FULL JOIN document_counters d ON d.year = y.number_year AND d.kind = 'invoice'
  WHERE d.last_value IS DISTINCT FROM y.mx
UNION ALL SELECT 'totals = sum of lines, subtotal = total - vat', count(*)
  FROM invoices i LEFT JOIN lines l ON l.invoice_id = i.id
  WHERE l.n IS NULL OR l.n > 3 OR i.total_kopecks <> l.amount OR i.vat_kopecks <> l.vat
     OR i.subtotal_kopecks <> i.total_kopecks - i.vat_kopecks
UNION ALL SELECT 'line amount = qty * price, VAT included half-up', count(*)
  FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
  WHERE l.amount_kopecks <> round(l.quantity * l.unit_price_kopecks)
     OR l.vat_kopecks <> round(l.amount_kopecks * i.vat_rate / (100 + i.vat_rate))
UNION ALL SELECT 'VAT rate 20 in 2025, 22 from 2026', count(*) FROM invoices
  WHERE issued_on IS NOT NULL AND vat_rate <> CASE WHEN issued_on < '2026-01-01' THEN 20 ELSE 22 END
UNION ALL SELECT 'issue dates within 18 months before 2026-11-27', count(*) FROM invoices
  WHERE issued_on < '2025-05-27' OR issued_on > '2026-11-27'
UNION ALL SELECT 'duplicate INN (clients, client_inns, organisation)', count(*) FROM (
  SELECT inn FROM (SELECT inn FROM clients UNION ALL SELECT inn FROM client_inns
                   UNION ALL SELECT inn FROM organisations) x GROUP BY inn HAVING count(*) > 1) d
UNION ALL SELECT 'invoice_issued event per numbered invoice', abs(
  (SELECT count(*) FROM events WHERE kind = 'invoice_issued')
  - (SELECT count(*) FROM invoices WHERE state <> 'draft'))
UNION ALL SELECT 'payment_applied event per allocation', abs(
  (SELECT count(*) FROM events WHERE kind = 'payment_applied')
  - (SELECT count(*) FROM payment_allocations))
UNION ALL SELECT 'issued invoices carry the requisites they were issued with', count(*) FROM invoices
  WHERE (state = 'draft') = (requisites_id IS NOT NULL)
UNION ALL SELECT 'requisite sets keyed by the SHA-256 of their JSON', count(*) FROM requisite_sets
  WHERE sha256 <> encode(sha256(convert_to(data::text, 'UTF8')), 'hex')
UNION ALL SELECT 'id sequences past max(id)', count(*) FROM (
  SELECT 'invoices' t, (SELECT last_value FROM invoices_id_seq) - (SELECT max(id) FROM invoices) d
  UNION ALL SELECT 'payments', (SELECT last_value FROM payments_id_seq) - (SELECT max(id) FROM payments)
  UNION ALL SELECT 'events', (SELECT last_value FROM events_id_seq) - (SELECT max(id) FROM events)
  UNION ALL SELECT 'clients', (SELECT last_value FROM clients_id_seq) - (SELECT max(id) FROM clients)
  UNION ALL SELECT 'requisite_sets', (SELECT last_value FROM requisite_sets_id_seq) - (SELECT max(id) FROM requisite_sets)) s
  WHERE d <> 0;

SELECT state, count(*), round(100.0 * count(*) / sum(count(*)) OVER (), 2) AS pct
  FROM invoices GROUP BY state ORDER BY 2 DESC;
SELECT 'overdue (open, due before 2026-11-27)' AS what, count(*) FROM invoices
  WHERE state IN ('issued', 'partially_paid') AND due_on < '2026-11-27'
UNION ALL SELECT 'payments: unmatched, no client', count(*) FROM payments WHERE client_id IS NULL
UNION ALL SELECT 'payments: overpaid (unapplied money)', count(*) FROM payments
  WHERE client_id IS NOT NULL AND applied_kopecks < amount_kopecks
UNION ALL SELECT 'payments paying several invoices', count(*) FROM (
  SELECT payment_id FROM payment_allocations GROUP BY payment_id HAVING count(DISTINCT invoice_id) > 1) m
UNION ALL SELECT 'reversed allocations', count(*) FROM payment_allocations WHERE reversed_at IS NOT NULL
UNION ALL SELECT 'sub-clients (parent_id)', count(*) FROM clients WHERE parent_id IS NOT NULL;
SELECT state, count(*) FROM contracts GROUP BY state ORDER BY 1;
