DROP TABLE supervision_events;
DROP TABLE supervisions;
