package dev.weft.proxy.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.java_websocket.WebSocket;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.handshake.ServerHandshake;
import org.java_websocket.server.WebSocketServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through the proxy (HTTP/1.1 Upgrade, then raw bytes both ways): a Java-WebSocket echo
 * server upstream and a Java-WebSocket client downstream. Without {@code upgrade_configs} the
 * upgrade is refused with 403 and the connection goes on serving plain HTTP.
 */
class WebSocketProxyTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String UPGRADES = "upgrade_configs: [{upgrade_type: websocket}]";

    private EchoServer ws;
    private ScriptedUpstream http;

    @BeforeEach
    void startUpstreams() throws Exception {
        ws = EchoServer.launch();
        http = ScriptedUpstream.ok("plain http");
    }

    @AfterEach
    void stopUpstreams() throws Exception {
        http.close();
        ws.stop(2000);
    }

    @Test
    void textAndBinaryMessagesEchoBothWays() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(UPGRADES))) {
            Client client = Client.connect(proxy, "/ws/chat");

            // the server speaks first: a message from upstream to client with nothing asked
            assertThat(client.nextText()).isEqualTo("welcome /ws/chat");

            client.send("hello through weft");
            assertThat(client.nextText()).isEqualTo("echo: hello through weft");

            byte[] binary = {0, 1, 2, (byte) 0xff, (byte) 0x80, 42};
            client.send(binary);
            assertThat(client.nextBinary()).isEqualTo(binary);
            assertThat(ws.received).contains("hello through weft");
            client.closeBlocking();
        }
    }

    @Test
    void manyMessagesArriveInOrder() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(UPGRADES))) {
            Client client = Client.connect(proxy, "/ws/many");
            assertThat(client.nextText()).startsWith("welcome");
            int n = 2000;
            for (int i = 0; i < n; i++) {
                client.send("message " + i);
            }
            for (int i = 0; i < n; i++) {
                assertThat(client.nextText()).isEqualTo("echo: message " + i);
            }
            client.closeBlocking();
        }
    }

    @Test
    void aOneMebibyteMessageEchoesIntact() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(UPGRADES))) {
            Client client = Client.connect(proxy, "/ws/large");
            assertThat(client.nextText()).startsWith("welcome");
            byte[] big = new byte[1 << 20];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 7 + (i >>> 10));
            }
            client.send(big);
            assertThat(client.nextBinary()).isEqualTo(big);

            String bigText = "weft ".repeat((1 << 20) / 5);
            client.send(bigText);
            assertThat(client.nextText()).isEqualTo("echo: " + bigText);
            client.closeBlocking();
        }
    }

    @Test
    void clientCloseReachesTheServer() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(UPGRADES))) {
            Client client = Client.connect(proxy, "/ws/bye");
            assertThat(client.nextText()).startsWith("welcome");

            client.close(4001, "client leaves");

            assertThat(client.closed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            await().atMost(WAIT).until(() -> !ws.closes.isEmpty());
            assertThat(ws.closes.peek()).isEqualTo("4001 client leaves");
            assertThat(client.closeCode).isEqualTo(4001);
            // the upstream connection is not pooled after an upgrade, and the exchange is over
            await().atMost(WAIT).until(() -> proxy.stat("cluster.ws.upstream_cx_active") == 0);
            assertPlainHttpWorks(proxy);
        }
    }

    @Test
    void serverCloseReachesTheClient() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(UPGRADES))) {
            Client client = Client.connect(proxy, "/ws/kick");
            assertThat(client.nextText()).startsWith("welcome");

            client.send("close-me");

            assertThat(client.closed.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(client.closeCode).isEqualTo(4000);
            assertThat(client.closeReason).isEqualTo("server says bye");
            await().atMost(WAIT).until(() -> proxy.stat("cluster.ws.upstream_cx_active") == 0);
            assertPlainHttpWorks(proxy);
        }
    }

    @Test
    void anUpgradeNotEnabledIsRefusedAndTheConnectionServesPlainHttp() throws Exception {
        try (ProxyFixture proxy = ProxyFixture.start(bootstrap(""));
             Socket socket = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();

            out.write(("GET /ws/denied HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawResponse refused = RawResponse.read(in);
            assertThat(refused.status).isEqualTo(403);
            assertThat(refused.headers.get("x-weft-error")).isEqualTo("upgrade_failed");
            assertThat(ws.opened.get()).isZero();

            // the same connection goes on with plain HTTP
            out.write("GET /plain HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawResponse plain = RawResponse.read(in);
            assertThat(plain.status).isEqualTo(200);
            assertThat(plain.body).isEqualTo("plain http");

            // and the Java-WebSocket client is refused too
            Client client = new Client(URI.create("ws://127.0.0.1:" + proxy.port() + "/ws/denied"));
            assertThat(client.connectBlocking(WAIT.toSeconds(), TimeUnit.SECONDS)).isFalse();
            assertThat(ws.opened.get()).isZero();
            assertPlainHttpWorks(proxy);
        }
    }

    // ---------------------------------------------------------------- helpers

    private String bootstrap(String hcmExtra) {
        String routes = "- match: {prefix: \"/ws\"}\n  route: {cluster: ws}\n" + Bootstraps.routeTo("http", "");
        String clusters = Bootstraps.cluster("ws", false, "", ws.getPort()) + Bootstraps.cluster("http", false, "", http.port());
        return Bootstraps.of(routes, clusters, hcmExtra);
    }

    private static void assertPlainHttpWorks(ProxyFixture proxy) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(proxy.uri("/plain")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("plain http");
    }

    /**
     * Upstream: greets each connection with {@code welcome <path>}, echoes text as {@code echo: <text>}
     * and binary as is, and closes with 4000 when told {@code close-me}.
     */
    private static final class EchoServer extends WebSocketServer {
        private final CountDownLatch started = new CountDownLatch(1);
        final BlockingQueue<String> received = new LinkedBlockingQueue<>();
        final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
        final AtomicInteger opened = new AtomicInteger();

        private EchoServer() {
            super(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            setReuseAddr(true);
            setConnectionLostTimeout(0);
        }

        static EchoServer launch() throws InterruptedException {
            EchoServer s = new EchoServer();
            s.setDaemon(true);
            s.start();
            if (!s.started.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("WebSocket server did not start");
            }
            return s;
        }

        @Override
        public void onStart() {
            started.countDown();
        }

        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
            opened.incrementAndGet();
            conn.send("welcome " + handshake.getResourceDescriptor());
        }

        @Override
        public void onMessage(WebSocket conn, String message) {
            received.add(message);
            if (message.equals("close-me")) {
                conn.close(4000, "server says bye");
            } else {
                conn.send("echo: " + message);
            }
        }

        @Override
        public void onMessage(WebSocket conn, ByteBuffer message) {
            conn.send(message);
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            closes.add(code + " " + reason);
        }

        @Override
        public void onError(WebSocket conn, Exception ex) {
            // the client side of each test sees the consequence
        }
    }

    /** Downstream client: queues what it receives and records how it was closed. */
    private static final class Client extends WebSocketClient {
        private final BlockingQueue<Object> messages = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);
        volatile int closeCode;
        volatile String closeReason;

        Client(URI uri) {
            super(uri);
            setConnectionLostTimeout(0);
        }

        static Client connect(ProxyFixture proxy, String path) throws InterruptedException {
            Client c = new Client(URI.create("ws://127.0.0.1:" + proxy.port() + path));
            assertThat(c.connectBlocking(WAIT.toSeconds(), TimeUnit.SECONDS)).as("WebSocket handshake through the proxy").isTrue();
            return c;
        }

        String nextText() throws InterruptedException {
            Object m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(m).as("next text message").isInstanceOf(String.class);
            return (String) m;
        }

        byte[] nextBinary() throws InterruptedException {
            Object m = messages.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(m).as("next binary message").isInstanceOf(byte[].class);
            return (byte[]) m;
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            messages.add(message);
        }

        @Override
        public void onMessage(ByteBuffer bytes) {
            byte[] b = new byte[bytes.remaining()];
            bytes.get(b);
            messages.add(b);
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            closeCode = code;
            closeReason = reason;
            closed.countDown();
        }

        @Override
        public void onError(Exception ex) {
            // a failed handshake or a broken connection shows in connectBlocking or onClose
        }
    }

    /** One HTTP/1.1 response read from a socket: status, headers (lower-case names) and a Content-Length body. */
    private record RawResponse(int status, Map<String, String> headers, String body) {
        static RawResponse read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the response head: " + head);
                }
                head.write(b);
                matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            }
            List<String> lines = new ArrayList<>(head.toString(StandardCharsets.ISO_8859_1).lines().toList());
            int status = Integer.parseInt(lines.remove(0).split(" ")[1]);
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : lines) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
            byte[] body = in.readNBytes(length);
            return new RawResponse(status, headers, new String(body, StandardCharsets.UTF_8));
        }
    }
}
