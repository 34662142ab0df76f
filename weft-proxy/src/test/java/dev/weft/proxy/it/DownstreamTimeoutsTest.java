package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The http_connection_manager's request_timeout and stream_idle_timeout. */
class DownstreamTimeoutsTest {

    @Test
    void streamIdleTimeoutAnswers408WhenTheUpstreamStaysSilent() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (ScriptedUpstream up = ScriptedUpstream.start((n, ex, body) -> {
                 try {
                     release.await(10, TimeUnit.SECONDS);
                 } catch (InterruptedException e) {
                     Thread.currentThread().interrupt();
                 }
                 ScriptedUpstream.respond(ex, 200, "late");
             });
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", "timeout: 0s"),
                     Bootstraps.cluster("backend", false, "", up.port()),
                     "stream_idle_timeout: 0.3s"))) {
            long start = System.nanoTime();
            String response = exchange(proxy.port(), "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            release.countDown();
            assertThat(response).startsWith("HTTP/1.1 408 ").contains("x-weft-error: stream_idle_timeout");
            assertThat(tookMs).isBetween(250L, 5000L);
        }
    }

    @Test
    void requestTimeoutAnswers408AndClosesWhenTheBodyNeverCompletes() throws Exception {
        try (ScriptedUpstream up = ScriptedUpstream.ok("ok");
             ProxyFixture proxy = ProxyFixture.start(Bootstraps.of(
                     Bootstraps.routeTo("backend", ""),
                     Bootstraps.cluster("backend", false, "", up.port()),
                     "request_timeout: 0.3s"))) {
            String response = exchange(proxy.port(), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nab");
            assertThat(response).startsWith("HTTP/1.1 408 ").contains("x-weft-error: request_timeout");
        }
    }

    /** Sends raw bytes and reads until the proxy closes the connection (bounded by a read timeout). */
    private static String exchange(int port, String request) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
