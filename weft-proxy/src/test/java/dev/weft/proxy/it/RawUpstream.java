package dev.weft.proxy.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bare TCP upstream for responses no well-behaved HTTP server would send (a body cut short, a
 * connection closed mid-response): it reads each request head and hands the socket to a script.
 */
public final class RawUpstream implements AutoCloseable {
    /** What to do after request number n (1-based) arrived with {@code head} on {@code socket}. */
    @FunctionalInterface
    public interface Script {
        void handle(int n, String head, Socket socket) throws IOException;
    }

    private final ServerSocket server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final AtomicInteger requests = new AtomicInteger();

    private RawUpstream(Script script) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        executor.execute(() -> {
            while (!server.isClosed()) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                executor.execute(() -> serve(s, script));
            }
        });
    }

    public static RawUpstream start(Script script) throws IOException {
        return new RawUpstream(script);
    }

    private void serve(Socket socket, Script script) {
        try (socket) {
            String head = readHead(socket.getInputStream());
            if (head == null) {
                return;
            }
            script.handle(requests.incrementAndGet(), head, socket);
        } catch (IOException e) {
            // the proxy went away; nothing to record
        }
    }

    /** Reads up to and including the empty line ending a head; null if the stream ends first. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Request heads received so far. */
    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor.shutdownNow();
    }
}
