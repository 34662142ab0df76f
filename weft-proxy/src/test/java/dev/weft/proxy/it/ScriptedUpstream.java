package dev.weft.proxy.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain HTTP/1.1 upstream (the JDK's HTTP server) whose behaviour a test scripts per request,
 * and which records what it received.
 */
public final class ScriptedUpstream implements AutoCloseable {
    /** What to do with request number n (1-based). */
    @FunctionalInterface
    public interface Script {
        void handle(int n, HttpExchange exchange, byte[] body) throws IOException;
    }

    /** A request as the upstream saw it. */
    public record Seen(String method, String uri, Map<String, List<String>> headers, byte[] body) {
        public String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                    return String.join(",", e.getValue());
                }
            }
            return null;
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger count = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private ScriptedUpstream(Script script) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            int n = count.incrementAndGet();
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            seen.add(new Seen(ex.getRequestMethod(), ex.getRequestURI().toString(), Map.copyOf(ex.getRequestHeaders()), body));
            try {
                script.handle(n, ex, body);
            } finally {
                ex.close();
            }
        });
        server.start();
    }

    public static ScriptedUpstream start(Script script) throws IOException {
        return new ScriptedUpstream(script);
    }

    /** An upstream that answers 200 with {@code body} to everything. */
    public static ScriptedUpstream ok(String body) throws IOException {
        return start((n, ex, b) -> respond(ex, 200, body));
    }

    public static void respond(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public int requests() {
        return count.get();
    }

    public List<Seen> seen() {
        return seen;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
