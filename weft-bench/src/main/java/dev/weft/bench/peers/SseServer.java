package dev.weft.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A server-sent-events origin inside the bench JVM: each request gets {@code events} events, one
 * every {@link #INTERVAL_NANOS}, each a chunk of its own carrying the {@code System.nanoTime()} at
 * which it was written, so a client in the same JVM can tell how long the chunk spent in transit.
 */
final class SseServer implements AutoCloseable {

    static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final byte[] HEAD = ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/event-stream\r\n"
            + "Cache-Control: no-cache\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket socket;
    private final int events;
    private final ExecutorService connections = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "sse-server");
        thread.setDaemon(true);
        return thread;
    });

    SseServer(int events) throws IOException {
        this.events = events;
        this.socket = new ServerSocket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        connections.execute(this::acceptLoop);
    }

    int port() {
        return socket.getLocalPort();
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                Socket connection = socket.accept();
                connection.setTcpNoDelay(true);
                connections.execute(() -> serve(connection));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    /** Serves requests on one keep-alive connection (proxies reuse their upstream connections). */
    private void serve(Socket connection) {
        try (connection) {
            InputStream in = connection.getInputStream();
            OutputStream out = connection.getOutputStream();
            while (readRequestHead(in)) {
                out.write(HEAD);
                out.flush();
                long next = System.nanoTime();
                for (int i = 0; i < events; i++) {
                    next += INTERVAL_NANOS;
                    // pacing the events of the stream, not waiting for another thread
                    LockSupport.parkNanos(next - System.nanoTime());
                    String event = "data: " + System.nanoTime() + "\n\n";
                    // one write per chunk: one segment on the wire, as a streaming model server sends it
                    out.write((Integer.toHexString(event.length()) + "\r\n" + event + "\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
                out.write(LAST_CHUNK);
                out.flush();
            }
        } catch (SocketException e) {
            // the client or proxy closed the connection
        } catch (IOException e) {
            throw new IllegalStateException("SSE server connection failed", e);
        }
    }

    /** Reads up to the blank line that ends a GET's head; false at end of stream. */
    private static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        int b;
        while ((b = in.read()) != -1) {
            matched = (b == '\n' && (matched == 1 || matched == 3)) || (b == '\r' && (matched == 0 || matched == 2))
                    ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        socket.close();
        connections.shutdownNow();
    }
}
