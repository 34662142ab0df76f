package dev.weft.proxy.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 client on a plain socket, for requests ordinary clients refuse to send (hop-by-hop
 * headers, absolute-form targets, a chosen source address): the test writes the request head
 * verbatim and gets one parsed response back.
 */
public final class RawHttp implements AutoCloseable {
    private static final int TIMEOUT_MS = 10_000;

    /** One response: status, headers by lower-case name (values in arrival order) and body. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        /** All values of {@code name} joined with ", ", or null when absent. */
        public String header(String name) {
            List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
            return v == null ? null : String.join(", ", v);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Connects to 127.0.0.1:{@code port}. */
    public static RawHttp connect(int port) throws IOException {
        return connect(port, null);
    }

    /** Connects to 127.0.0.1:{@code port} from {@code sourceIp} (another loopback address), or any when null. */
    public static RawHttp connect(int port, String sourceIp) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(TIMEOUT_MS);
        if (sourceIp != null) {
            s.bind(new InetSocketAddress(InetAddress.getByName(sourceIp), 0));
        }
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
        return new RawHttp(s);
    }

    /** One request on a new connection: {@code head} is the request line and header lines, without the blank line. */
    public static Response send(int port, String head) throws IOException {
        try (RawHttp c = connect(port)) {
            return c.exchange(head);
        }
    }

    /** Writes {@code head} (lines separated by "\n", sent as CRLF) and a blank line; reads one response. */
    public Response exchange(String head) throws IOException {
        String wire = head.strip().replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n\r\n";
        out.write(wire.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        byte[] body;
        List<String> te = headers.get("transfer-encoding");
        List<String> cl = headers.get("content-length");
        if (te != null && te.get(te.size() - 1).toLowerCase(Locale.ROOT).endsWith("chunked")) {
            body = readChunked();
        } else if (cl != null) {
            body = in.readNBytes(Integer.parseInt(cl.get(0)));
        } else if (status == 204 || status == 304 || status < 200) {
            body = new byte[0];
        } else {
            body = in.readAllBytes();
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private byte[] readChunked() throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = readLine();
            int semi = sizeLine.indexOf(';');
            int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!readLine().isEmpty()) {
                    // trailers are not needed by these tests
                }
                return body.toByteArray();
            }
            body.write(in.readNBytes(size));
            readLine();
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed after: " + sb);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
