package dev.weft.proxy.it;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Sends raw bytes to a listener over a plain socket and reads back one HTTP/1.1 response. */
public final class RawClient {
    private RawClient() {}

    /**
     * A response read off the wire.
     *
     * @param statusLine the first line, without CRLF
     * @param headers    field names lower-cased; the last value of a repeated field
     * @param body       the bytes after the head, up to Content-Length (or to the end when absent)
     * @param closed     whether the peer closed the connection (read returned -1) after the response
     */
    public record Response(String statusLine, Map<String, String> headers, byte[] body, boolean closed) {
        public int status() {
            return Integer.parseInt(statusLine.split(" ", 3)[1]);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Writes {@code request} to 127.0.0.1:{@code port} and reads one response, then whether the
     * connection ends; every read waits at most {@code timeout}.
     */
    public static Response exchange(int port, byte[] request, Duration timeout) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout((int) timeout.toMillis());
            s.getOutputStream().write(request);
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }
    }

    /** Reads one response from {@code in}, then checks whether the stream ends. */
    public static Response read(InputStream in) throws IOException {
        String head = RawUpstream.readHead(in);
        if (head == null) {
            throw new IOException("connection closed before a response head");
        }
        String[] lines = head.split("\r\n");
        Map<String, String> headers = new TreeMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        String length = headers.get("content-length");
        byte[] body;
        boolean closed = false;
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else {
            body = in.readAllBytes();
            closed = true;
        }
        if (!closed) {
            try {
                closed = in.read() < 0;
            } catch (SocketTimeoutException e) {
                closed = false;
            }
        }
        return new Response(lines[0], headers, body, closed);
    }

    /** The bytes of {@code text} (ISO-8859-1, so every char is one byte). */
    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }
}
