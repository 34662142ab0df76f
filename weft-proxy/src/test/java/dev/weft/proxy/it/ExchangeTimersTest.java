package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The exchange keeps one timer for request_timeout, stream_idle_timeout and the route timeout,
 * armed at the earliest moment any could end; these pin down that each still counts from its
 * own start: the route timeout from the end of the request, the idle timeout from the last
 * activity.
 */
class ExchangeTimersTest {
    private static final Duration BOUND = Duration.ofSeconds(10);

    @Test
    void routeTimeoutCountsFromTheEndOfTheRequestNotItsHead() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "timeout: 0.4s"),
                     Bootstraps.cluster("backend", false, "", up.port())));
             Socket s = connect(proxy)) {
            OutputStream out = s.getOutputStream();
            long headSent = System.nanoTime();
            out.write(ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\nab"));
            out.flush();
            // the client is slow on purpose: the rest of the body comes after the route timeout
            await().atMost(BOUND).until(() -> up.requests() == 1 && elapsedMillis(headSent) > 700);
            out.write(ascii("cd"));
            out.flush();

            String response = readAll(s);

            assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("ok");
            assertThat(proxy.stat("cluster.backend.upstream_rq_timeout")).isZero();
        }
    }

    @Test
    void streamIdleTimeoutIsPushedBackByActivity() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "timeout: 0s"),
                     Bootstraps.cluster("backend", false, "", up.port()),
                     "stream_idle_timeout: 0.4s"));
             Socket s = connect(proxy)) {
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            out.write(ascii("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nConnection: close\r\n\r\n"));
            out.flush();
            // one body byte every 200 ms: never idle for 400 ms, though the request takes 800 ms
            for (int i = 1; i <= 4; i++) {
                int part = i;
                await().atMost(BOUND).until(() -> elapsedMillis(start) > 200L * part);
                out.write('x');
                out.flush();
            }

            String response = readAll(s);

            assertThat(response).startsWith("HTTP/1.1 200 ").endsWith("ok");
            assertThat(elapsedMillis(start)).isGreaterThan(800);
        }
    }

    private static Socket connect(ProxyFixture proxy) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
        s.setSoTimeout(10_000);
        return s;
    }

    private static String readAll(Socket s) throws Exception {
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static long elapsedMillis(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }
}
