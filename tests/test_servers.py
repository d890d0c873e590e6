"""The test servers themselves behave like the real thing (see servers.py)."""

import contextlib
import smtplib
import threading
import time
from email.message import EmailMessage

import httpx
import pytest
from servers import FeedServer, HttpReceiver, SmtpSink

BODY = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def test_feed_conditional_get_answers_304_on_matching_etag(feed_server: FeedServer) -> None:
    feed_server.add_feed("/feed.xml", BODY)
    first = httpx.get(feed_server.url("/feed.xml"))
    assert first.status_code == 200
    assert first.content == BODY
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]

    again = httpx.get(feed_server.url("/feed.xml"), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag

    by_date = httpx.get(feed_server.url("/feed.xml"), headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304

    feed_server.add_feed("/feed.xml", BODY + b"\n")
    changed = httpx.get(feed_server.url("/feed.xml"), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    stale = httpx.get(feed_server.url("/feed.xml"), headers={"If-Modified-Since": last_modified})
    assert stale.status_code == 200

    assert feed_server.statuses("/feed.xml") == [200, 304, 304, 200, 200]
    method, path, headers, status = feed_server.requests[1]
    assert (method, path, status) == ("GET", "/feed.xml", 304)
    assert headers["If-None-Match"] == etag == headers["if-none-match"]


def test_feed_gzip_only_when_accepted(feed_server: FeedServer) -> None:
    feed_server.add_feed("/gz.xml", BODY, gzip=True)
    zipped = httpx.get(feed_server.url("/gz.xml"))  # httpx sends Accept-Encoding: gzip
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.content == BODY
    plain = httpx.get(feed_server.url("/gz.xml"), headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert plain.content == BODY


def test_redirect_status_404_and_raw(feed_server: FeedServer) -> None:
    feed_server.add_feed("/new.xml", BODY)
    feed_server.add_redirect("/old.xml", "/new.xml", status=301)
    feed_server.add_status("/broken.xml", 500, b"boom")
    feed_server.add_raw("/page.html", b"<html><body>hi</body></html>")

    moved = httpx.get(feed_server.url("/old.xml"))
    assert moved.status_code == 301
    assert moved.headers["Location"] == feed_server.url("/new.xml")
    followed = httpx.get(feed_server.url("/old.xml"), follow_redirects=True)
    assert followed.status_code == 200
    assert followed.content == BODY

    assert httpx.get(feed_server.url("/broken.xml")).status_code == 500
    assert httpx.get(feed_server.url("/nowhere.xml")).status_code == 404
    page = httpx.get(feed_server.url("/page.html?ref=x"))
    assert page.headers["Content-Type"].startswith("text/html")

    assert feed_server.statuses("/old.xml") == [301, 301]
    assert feed_server.count("/new.xml") == 1
    assert feed_server.count("/page.html") == 1
    assert feed_server.statuses("/nowhere.xml") == [404]


def test_slow_route_does_not_block_other_requests(feed_server: FeedServer) -> None:
    # Not a bound on wall time (a loaded machine would fail it): the fast answer comes while the slow one,
    # 5 s long, is still pending.
    feed_server.add_slow("/slow.xml", BODY, delay_seconds=5.0)
    feed_server.add_feed("/fast.xml", BODY)
    def fetch_slow() -> None:
        with contextlib.suppress(httpx.HTTPError):  # cut short when the server closes at the end
            httpx.get(feed_server.url("/slow.xml"), timeout=10)

    slow = threading.Thread(target=fetch_slow, daemon=True)
    slow.start()
    time.sleep(0.1)
    assert httpx.get(feed_server.url("/fast.xml")).status_code == 200
    assert slow.is_alive() and feed_server.count("/slow.xml") == 0, "the slow request is still unanswered"
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(feed_server.url("/slow.xml"), timeout=0.2)


def test_big_streams_exact_size(feed_server: FeedServer) -> None:
    size = 3 * 1024 * 1024 + 7
    feed_server.add_big("/big.xml", size)
    total, head = 0, b""
    with httpx.stream("GET", feed_server.url("/big.xml")) as response:
        assert int(response.headers["Content-Length"]) == size
        for chunk in response.iter_bytes():
            head = head or chunk[:5]
            total += len(chunk)
    assert head == b"<rss>"
    assert total == size


def test_drip_sends_chunks_and_close_is_quick() -> None:
    server = FeedServer()
    server.add_drip("/drip.xml", chunk=b"<", interval=0.1, total_seconds=30)
    received = b""
    with httpx.stream("GET", server.url("/drip.xml"), timeout=2) as response:
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
            if len(received) >= 3:
                break
        # close() ends the drip, which would go on for 30 s: a deadline for that, not a bound on wall time.
        closing = threading.Thread(target=server.close, daemon=True)
        closing.start()
        closing.join(timeout=15)
        assert not closing.is_alive(), "close() waited for the drip"
    assert received.startswith(b"<<<")


def test_receiver_answers_status_sequence() -> None:
    with HttpReceiver() as receiver:
        receiver.set_statuses([500, 503])
        codes = [httpx.post(receiver.url("/hook"), json={"n": n}).status_code for n in range(3)]
        assert codes == [500, 503, 200]
        ok = receiver.wait_for(1)
        assert [r.json for r in ok] == [{"n": 2}]
        assert [r.status for r in receiver.received] == [500, 503, 200]
        assert receiver.received[0].path == "/hook"
        assert receiver.received[0].headers["content-type"] == "application/json"

        httpx.put(receiver.url("/other"), content=b"not json")
        last = receiver.wait_for(2)[-1]
        assert (last.method, last.body, last.json) == ("PUT", b"not json", None)
        with pytest.raises(AssertionError):
            receiver.wait_for(5, timeout=0.1)


def test_receiver_records_no_request_whose_sender_died_inside_its_body() -> None:
    """A sender killed while writing a webhook delivered nothing: the receiver drops a body shorter than its
    Content-Length, as a real server does, instead of recording it as received."""
    import socket

    with HttpReceiver() as receiver:
        host, port = receiver.url("/hook").split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
        with socket.create_connection((host, int(port))) as sender:
            sender.sendall(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           b"Content-Length: 100\r\n\r\n{\"title\": \"cut")
        httpx.post(receiver.url("/hook"), json={"n": 1})
        assert [r.json for r in receiver.wait_for(1)] == [{"n": 1}]
        assert len(receiver.received) == 1


def test_smtp_sink_receives_plain_and_authenticated_mail() -> None:
    with SmtpSink() as sink:
        message = EmailMessage()
        message["From"] = "monitor@example.org"
        message["To"] = "analyst@example.org"
        message["Subject"] = "Rocket attack on K1 base — كتائب حزب الله"
        message.set_content("More than 30 rockets hit K1.")
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.send_message(message)
        with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
            client.login("user", "secret")
            client.sendmail(
                "a@example.org", ["b@example.org", "c@example.org"], b"Subject: second\r\n\r\nhi\r\n"
            )

        first, second = sink.wait_for(2)
        assert first["Subject"] == "Rocket attack on K1 base — كتائب حزب الله"
        assert first.get_content().strip() == "More than 30 rockets hit K1."
        assert second["Subject"] == "second"
        assert sink.envelopes == [
            ("monitor@example.org", ["analyst@example.org"]),
            ("a@example.org", ["b@example.org", "c@example.org"]),
        ]
        assert sink.logins == [("user", "secret")]
