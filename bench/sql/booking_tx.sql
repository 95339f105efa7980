-- The SQL work of one booking, without the service: what POST /bookings writes in its one
-- transaction (booking row under the exclusion constraint, the approval request, the booking
-- list row and its manager rows, the notification outbox rows with their calendar invites and the
-- event log rows), plus the reads it must do (the token, the room and its policies and managers,
-- the overlap check, the booking's previous calendar state).
-- Keep it in step with the tables: bench/run.py fails loudly when a column is gone.
\set room random(1, :rooms)
\set userid random(1, :users)
\set minute random(0, 5000000)
BEGIN;
SELECT t.key, u.id, u.username FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id WHERE t.user_id = :userid;
SELECT * FROM booking_room WHERE id = :room;
SELECT u.username FROM auth_user u JOIN booking_room_managers m ON m.user_id = u.id WHERE m.room_id = :room;
SELECT id FROM booking_booking WHERE room_id = :room AND status = 'BOOKED' AND use_start_dtm < to_timestamp(:base + :minute * 60 + 3600) AND use_end_dtm > to_timestamp(:base + :minute * 60);
INSERT INTO booking_booking (room_id, booking_user_id, use_start_dtm, use_end_dtm, status, created_at, updated_at, cancel_cause, cancel_reason, approval_status, approval_seq) VALUES (:room, :userid, to_timestamp(:base + :minute * 60), to_timestamp(:base + :minute * 60 + 3600), 'BOOKED', now(), now(), '', '', '', 0) RETURNING id AS booking_id \gset
INSERT INTO roombooking_eventlog (event_type, payload, occurred_at, actor, booking_id) VALUES ('BookingCreated', '{"booking_id": 1, "room_id": 1, "room_name": "Room", "status": "BOOKED"}', now(), 'user', :booking_id) RETURNING id AS seq1 \gset
INSERT INTO confirm_confirm (booking_id, room_id, room_name, room_time_zone, approvers, user_id, user_email, use_start_dtm, use_end_dtm, status, reason, booking_seq, created, updated) VALUES (:booking_id, :room, 'Room', 'Asia/Seoul', '["manager"]', 'user', 'user@example.com', to_timestamp(:base + :minute * 60), to_timestamp(:base + :minute * 60 + 3600), 'BOOKED', '', :seq1, now(), now()) RETURNING id AS confirm_id \gset
INSERT INTO confirm_confirmapprover (confirm_id, username) VALUES (:confirm_id, 'manager');
INSERT INTO roombooking_eventlog (event_type, payload, occurred_at, actor, booking_id) VALUES ('ConfirmRequested', '{"confirm_id": 1, "booking_id": 1, "status": "BOOKED"}', now(), 'user', :booking_id) RETURNING id AS seq2 \gset
INSERT INTO bookinglist_bookinglistrow (booking_id, room_id, room_name, room_managers, booking_user_id, use_start_dtm, use_end_dtm, booking_dtm, booking_status, confirm_status, confirm_reason, cancel_cause, cancel_reason, updated_dtm, last_seq) VALUES (:booking_id, :room, 'Room', '["manager"]', 'user', to_timestamp(:base + :minute * 60), to_timestamp(:base + :minute * 60 + 3600), now(), 'BOOKED', '', '', '', '', now(), :seq1);
INSERT INTO bookinglist_bookinglistmanager (booking_id, username) VALUES (:booking_id, 'manager');
UPDATE booking_booking SET approval_status = 'BOOKED', approval_seq = :seq2 WHERE id = :booking_id AND approval_seq < :seq2;
UPDATE bookinglist_bookinglistrow SET confirm_id = :confirm_id, confirm_status = 'BOOKED', updated_dtm = now(), last_seq = :seq2 WHERE booking_id = :booking_id AND last_seq < :seq2;
INSERT INTO notification_notification (recipient_id, recipient_username, recipient_email, event_type, event_seq, booking_id, contents, subject, body, status, attempts, last_error, claim_token, created_at, ical, ical_method, ical_sequence, ical_status, ical_fingerprint) VALUES (:userid, 'user', 'user@example.com', 'BookingCreated', :seq1, :booking_id, 'conference room[1] reservation is complete', 'Booked', 'body', 'PENDING', 0, '', '', now(), 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roombooking//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:booking-1@roombooking.local\r\nSEQUENCE:0\r\nDTSTAMP:20261126T000000Z\r\nDTSTART:20261201T010000Z\r\nDTEND:20261201T020000Z\r\nSUMMARY:Room\r\nLOCATION:Room\r\nSTATUS:TENTATIVE\r\nORGANIZER:mailto:rooms@example.com\r\nATTENDEE;CN=user:mailto:user@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', 'REQUEST', 0, 'TENTATIVE', 'fingerprint');
SELECT event_seq, recipient_username, ical_status, ical_fingerprint, ical_sequence FROM notification_notification WHERE booking_id = :booking_id AND (event_seq = :seq2 OR event_seq = (SELECT event_seq FROM notification_notification WHERE booking_id = :booking_id AND event_seq < :seq2 AND ical_status <> '' ORDER BY event_seq DESC LIMIT 1)) ORDER BY event_seq DESC;
INSERT INTO notification_notification (recipient_id, recipient_username, recipient_email, event_type, event_seq, booking_id, contents, subject, body, status, attempts, last_error, claim_token, created_at, ical, ical_method, ical_sequence, ical_status, ical_fingerprint) VALUES (NULL, 'manager', 'manager@example.com', 'ConfirmRequested', :seq2, :booking_id, 'approval waits', 'Approval', 'body', 'PENDING', 0, '', '', now(), 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//roombooking//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:booking-1@roombooking.local\r\nSEQUENCE:0\r\nDTSTAMP:20261126T000000Z\r\nDTSTART:20261201T010000Z\r\nDTEND:20261201T020000Z\r\nSUMMARY:Room\r\nLOCATION:Room\r\nSTATUS:TENTATIVE\r\nORGANIZER:mailto:rooms@example.com\r\nATTENDEE;CN=user:mailto:user@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n', 'REQUEST', 0, 'TENTATIVE', 'fingerprint');
COMMIT;
