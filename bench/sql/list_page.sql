-- The SQL work of one GET /bookingLists page (50 rows of one room, newest first), without the
-- service: the token lookup, the paginator's count and the page itself.
\set room random(1, :list_rooms)
\set userid random(1, :users)
SELECT t.key, u.id, u.username FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id WHERE t.user_id = :userid;
SELECT count(*) FROM bookinglist_bookinglistrow WHERE room_id = :room;
SELECT * FROM bookinglist_bookinglistrow WHERE room_id = :room ORDER BY use_start_dtm DESC, booking_id DESC LIMIT 50;
