-- The SQL work of one booking, without the service: what POST /bookings writes in its one
-- transaction (booking row under the exclusion constraint, the approval request, the booking
-- list row and its manager rows, the notification outbox rows with what their calendar invites say
-- (rendered by the delivery worker) and the
-- event log rows), plus the reads and locks it must do (the token, the room and its policies and
-- managers, the booker's row lock and upcoming-booking count, the room's advisory lock, the
-- overlap and waitlist-hold check in one statement, as the service makes them). Without the
-- room's lock two clients could both find overlapping slots free, and the constraint aborted one.
-- Keep it in step with the tables: bench/run.py fails loudly when a column is gone.
\set room random(1, :rooms)
\set userid random(1, :users)
\set minute random(0, 5000000)
BEGIN;
SELECT t.key, u.id, u.username FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id WHERE t.user_id = :userid;
SELECT * FROM booking_room WHERE id = :room FOR SHARE;
SELECT id FROM auth_user WHERE id = :userid FOR NO KEY UPDATE;
SELECT COUNT(id) FROM booking_booking WHERE status = 'BOOKED' AND booking_user_id = :userid AND use_end_dtm > now();
SELECT pg_advisory_xact_lock(1380929357, :room);
SELECT u.username FROM auth_user u JOIN booking_room_managers m ON m.user_id = u.id WHERE m.room_id = :room;
SELECT (EXISTS (SELECT 1 FROM booking_booking WHERE room_id = :room AND status = 'BOOKED' AND use_start_dtm < to_timestamp(:base::bigint + :minute * 60 + 3600) AND use_end_dtm > to_timestamp(:base::bigint + :minute * 60)) OR EXISTS (SELECT 1 FROM booking_waitlistentry WHERE room_id = :room AND status = 'OFFERED' AND hold_until > now() AND use_start_dtm < to_timestamp(:base::bigint + :minute * 60 + 3600) AND use_end_dtm > to_timestamp(:base::bigint + :minute * 60)))::int AS taken FROM booking_room WHERE id = :room \gset
-- A slot taken (by an earlier run's booking) is answered as the service answers it, 409:
-- nothing written. pgbench would otherwise abort the client on the constraint's error.
\if :taken = 0
INSERT INTO booking_booking (room_id, booking_user_id, use_start_dtm, use_end_dtm, status, created_at, updated_at, cancel_cause, cancel_reason, approval_status, approval_seq, detached) VALUES (:room, :userid, to_timestamp(:base::bigint + :minute * 60), to_timestamp(:base::bigint + :minute * 60 + 3600), 'BOOKED', now(), now(), '', '', 'PENDING', 0, false) RETURNING id AS booking_id \gset
INSERT INTO roombooking_eventlog (event_type, payload, occurred_at, actor, booking_id) VALUES ('BookingCreated', '{"booking_id": 1, "room_id": 1, "room_name": "Room", "status": "BOOKED"}', now(), 'user', :booking_id) RETURNING id AS seq1 \gset
INSERT INTO confirm_confirm (booking_id, room_id, room_name, room_time_zone, approvers, user_id, user_email, use_start_dtm, use_end_dtm, status, reason, booking_seq, created, updated, pending_since) VALUES (:booking_id, :room, 'Room', 'Asia/Seoul', '["manager"]', 'user', 'user@example.com', to_timestamp(:base::bigint + :minute * 60), to_timestamp(:base::bigint + :minute * 60 + 3600), 'BOOKED', '', :seq1, now(), now(), now()) RETURNING id AS confirm_id \gset
INSERT INTO confirm_confirmapprover (confirm_id, username) VALUES (:confirm_id, 'manager');
INSERT INTO roombooking_eventlog (event_type, payload, occurred_at, actor, booking_id) VALUES ('ConfirmRequested', '{"confirm_id": 1, "booking_id": 1, "status": "BOOKED"}', now(), 'user', :booking_id) RETURNING id AS seq2 \gset
INSERT INTO bookinglist_bookinglistrow (booking_id, room_id, room_name, room_managers, booking_user_id, use_start_dtm, use_end_dtm, booking_dtm, booking_status, confirm_status, confirm_reason, cancel_cause, cancel_reason, updated_dtm, last_seq, booking_seq) VALUES (:booking_id, :room, 'Room', '["manager"]', 'user', to_timestamp(:base::bigint + :minute * 60), to_timestamp(:base::bigint + :minute * 60 + 3600), now(), 'BOOKED', '', '', '', '', now(), :seq1, :seq1);
INSERT INTO bookinglist_bookinglistmanager (booking_id, username) VALUES (:booking_id, 'manager');
UPDATE booking_booking SET approval_status = 'BOOKED', approval_seq = :seq2 WHERE id = :booking_id AND approval_seq < :seq2;
UPDATE bookinglist_bookinglistrow SET confirm_id = :confirm_id, confirm_status = 'BOOKED', updated_dtm = now(), last_seq = :seq2 WHERE booking_id = :booking_id AND last_seq < :seq2;
INSERT INTO notification_notification (recipient_id, recipient_username, recipient_email, event_type, event_seq, booking_id, contents, subject, body, status, attempts, last_error, claim_token, created_at, ical_spec, ical, ical_method, ical_sequence, ical_status, ical_fingerprint) VALUES (:userid, 'user', 'user@example.com', 'BookingCreated', :seq1, :booking_id, 'conference room[1] reservation is complete', 'Booked', 'body', 'PENDING', 0, '', '', now(), '{"method": "REQUEST", "stamp": "2026-11-26T00:00:00+00:00", "events": [{"booking_id": 1, "room_name": "Room", "start": "2026-12-01T01:00:00+00:00", "end": "2026-12-01T02:00:00+00:00", "status": "TENTATIVE", "summary": "Meeting room: Room (waiting for approval)", "description": "conference room[1] reservation is complete", "sequence": 0, "attendees": [["user", "user@example.com", "REQ-PARTICIPANT"]]}]}', '', 'REQUEST', 0, 'TENTATIVE', 'fingerprint');
INSERT INTO notification_notification (recipient_id, recipient_username, recipient_email, event_type, event_seq, booking_id, contents, subject, body, status, attempts, last_error, claim_token, created_at, ical_spec, ical, ical_method, ical_sequence, ical_status, ical_fingerprint) VALUES (NULL, 'manager', 'manager@example.com', 'ConfirmRequested', :seq2, :booking_id, 'approval waits', 'Approval', 'body', 'PENDING', 0, '', '', now(), '{"method": "REQUEST", "stamp": "2026-11-26T00:00:00+00:00", "events": [{"booking_id": 1, "room_name": "Room", "start": "2026-12-01T01:00:00+00:00", "end": "2026-12-01T02:00:00+00:00", "status": "TENTATIVE", "summary": "Meeting room: Room (waiting for approval)", "description": "conference room[1] reservation is complete", "sequence": 0, "attendees": [["user", "user@example.com", "REQ-PARTICIPANT"]]}]}', '', 'REQUEST', 0, 'TENTATIVE', 'fingerprint');
\endif
COMMIT;
