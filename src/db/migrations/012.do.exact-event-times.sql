-- An audit event's time with every digit its source wrote, in UTC, where
-- that says more than event_time can (timestamptz keeps microseconds, the
-- application milliseconds): nanoseconds, and leap seconds (23:59:60),
-- which timestamptz would roll into the next day. event_time stays the
-- millisecond the instant falls in, cut not rounded, which is what
-- windows (whole milliseconds) are compared with. NULL when event_time
-- says it all.
ALTER TABLE audit_events ADD COLUMN event_time_exact text;

