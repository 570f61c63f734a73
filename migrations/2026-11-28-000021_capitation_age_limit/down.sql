UPDATE programme_versions SET definition = definition - 'pay_until_age' WHERE code = 'orphanage_capitation';
