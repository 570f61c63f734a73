-- The capitation grant ends at 18 (payroll pays no month beginning on or after the 18th
-- birthday). Programme versions already stored get the limit their shipped definition has.
UPDATE programme_versions
   SET definition = definition || '{"pay_until_age": 18}'::jsonb
 WHERE code = 'orphanage_capitation' AND NOT definition ? 'pay_until_age';
