package dev.weft.testkit.modelserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The streaming endpoints of {@link ModelServer}: large bodies pass in bounded memory, with back-pressure. */
class ModelServerBodiesTest {

    private static final int MIB = 1024 * 1024;
    private static final int LARGE = 64 * MIB;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ModelServer server;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        server = ModelServer.start(ModelServerConfig.builder().instanceId("bodies").build());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void bytesStreams64MibOfThePattern() throws Exception {
        // when
        HttpResponse<InputStream> response = client.send(
                HttpRequest.newBuilder(server.uri("/bytes/" + LARGE)).build(), HttpResponse.BodyHandlers.ofInputStream());

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(response.headers().firstValue("x-model-server-instance")).hasValue("bodies");
        try (InputStream body = response.body()) {
            assertThat(readPattern(body)).isEqualTo(LARGE);
        }
    }

    @Test
    void bytesWithChunkedFalseSendsContentLength() throws Exception {
        HttpResponse<byte[]> response = client.send(
                HttpRequest.newBuilder(server.uri("/bytes/1000?chunked=false")).build(),
                HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.headers().firstValue("content-length")).hasValue("1000");
        assertThat(response.body()).hasSize(1000);
        assertThat(response.body()[999]).isEqualTo((byte) 999);
    }

    @Test
    void sinkCounts64MibUploadedWithContentLength() throws Exception {
        // given
        byte[] chunk = new byte[MIB];
        HttpRequest request = HttpRequest.newBuilder(server.uri("/sink"))
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofByteArrays(Collections.nCopies(64, chunk)), LARGE))
                .build();
        long before = server.requestBodyBytes();

        // when
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).path("bytes").asLong()).isEqualTo(LARGE);
        assertThat(server.requestBodyBytes() - before).isEqualTo(LARGE);
    }

    @Test
    void echoStreamsAChunkedUploadBack() throws Exception {
        // given: an upload of unknown length (chunked). The JDK client reads the response only after
        // sending the whole body, so the body stays within what socket buffers hold; larger echoes need
        // a client that reads while it sends (see the socket test below).
        byte[] chunk = new byte[64 * 1024];
        for (int i = 0; i < chunk.length; i++) {
            chunk[i] = (byte) i;
        }
        HttpRequest request = HttpRequest.newBuilder(server.uri("/echo"))
                .header("content-type", "application/x-test")
                .POST(HttpRequest.BodyPublishers.ofByteArrays(Collections.nCopies(4, chunk)))
                .build();

        // when
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());

        // then
        assertThat(response.headers().firstValue("content-type")).hasValue("application/x-test");
        try (InputStream body = response.body()) {
            assertThat(readPattern(body)).isEqualTo(4 * 64 * 1024);
        }
    }

    @Test
    void echoWithoutBodyDescribesTheRequest() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(server.uri("/echo?x=1"))
                .header("x-trace", "abc").DELETE().build(), HttpResponse.BodyHandlers.ofString());

        JsonNode echo = JSON.readTree(response.body());
        assertThat(echo.path("method").asText()).isEqualTo("DELETE");
        assertThat(echo.path("uri").asText()).isEqualTo("/echo?x=1");
        assertThat(echo.path("headers").path("x-trace").asText()).isEqualTo("abc");
    }

    @Test
    void statusAndDelayAnswerAsAsked() throws Exception {
        // when
        HttpResponse<String> teapot = client.send(HttpRequest.newBuilder(server.uri("/status/418")).build(),
                HttpResponse.BodyHandlers.ofString());
        long start = System.nanoTime();
        HttpResponse<String> delayed = client.send(HttpRequest.newBuilder(server.uri("/delay/200")).build(),
                HttpResponse.BodyHandlers.ofString());

        // then
        assertThat(teapot.statusCode()).isEqualTo(418);
        assertThat(teapot.headers().firstValue("x-model-version")).hasValue("v1");
        assertThat(delayed.statusCode()).isEqualTo(200);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isGreaterThanOrEqualTo(200);
        assertThat(server.requestCount("/status/{code}")).isPositive();
    }

    @Test
    void bytesStopsWritingWhileTheClientDoesNotRead() throws Exception {
        try (Socket socket = smallBufferSocket()) {
            long before = server.responseBodyBytes();
            // given: a 64 MiB download that the client does not read yet
            socket.getOutputStream().write(("GET /bytes/" + LARGE + "?chunked=false HTTP/1.1\r\nhost: t\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(Duration.ofSeconds(5)).until(() -> server.responseBodyBytes() > before);

            // then: the server stops far short of the whole body
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> server.responseBodyBytes() - before < 32L * MIB);

            // when the client reads, everything arrives
            InputStream in = socket.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").contains("content-length: " + LARGE);
            assertThat(readPattern(limited(in, LARGE))).isEqualTo(LARGE);
        }
    }

    @Test
    void echoStopsReadingWhileTheClientDoesNotReadTheResponse() throws Exception {
        try (Socket socket = smallBufferSocket()) {
            long before = server.requestBodyBytes();
            OutputStream out = socket.getOutputStream();
            // given: a client that uploads 64 MiB to /echo without reading the echoed response
            CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
                try {
                    out.write(("POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: " + LARGE + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    for (int i = 0; i < chunk.length; i++) {
                        chunk[i] = (byte) i;
                    }
                    for (int sent = 0; sent < LARGE; sent += chunk.length) {
                        out.write(chunk);
                    }
                    out.flush();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(5)).until(() -> server.requestBodyBytes() > before);

            // then: the server stops reading, so the upload stalls
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> server.requestBodyBytes() - before < 32L * MIB);
            assertThat(upload).isNotDone();

            // when the client reads, the whole body comes back and the upload completes
            InputStream in = socket.getInputStream();
            assertThat(readHead(in)).startsWith("HTTP/1.1 200").contains("content-length: " + LARGE);
            assertThat(readPattern(limited(in, LARGE))).isEqualTo(LARGE);
            upload.get(10, TimeUnit.SECONDS);
            assertThat(server.requestBodyBytes() - before).isEqualTo(LARGE);
        }
    }

    private static Socket smallBufferSocket() throws IOException {
        Socket socket = new Socket();
        // Small client buffers keep what the kernel holds well below the body size.
        socket.setReceiveBufferSize(64 * 1024);
        socket.setSendBufferSize(64 * 1024);
        socket.setSoTimeout(10_000);
        socket.connect(new InetSocketAddress(server.host(), server.port()), 5_000);
        return socket;
    }

    /** Reads to the end, checking that byte {@code i} is {@code (byte) i}; returns the count. */
    private static long readPattern(InputStream in) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long offset = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                if (buf[i] != (byte) (offset + i)) {
                    throw new AssertionError("byte " + (offset + i) + " is " + buf[i]);
                }
            }
            offset += n;
        }
        return offset;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection closed in the response head: " + head);
            }
            head.write(b);
            matched = (b == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII).toLowerCase(java.util.Locale.ROOT)
                .replace("http/1.1", "HTTP/1.1");
    }

    private static InputStream limited(InputStream in, long length) {
        return new InputStream() {
            private long remaining = length;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) {
                    return -1;
                }
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n > 0) {
                    remaining -= n;
                }
                return n;
            }
        };
    }
}
