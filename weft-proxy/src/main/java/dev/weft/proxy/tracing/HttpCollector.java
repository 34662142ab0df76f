package dev.weft.proxy.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Posts a report over plain HTTP/1.1 with a blocking socket, one connection per report ({@code Connection:
 * close}): reports leave about once a second from the exporter's own thread, so a pooled client would buy
 * nothing. The address is asked for at each report (the collector cluster's endpoints may change); the Host
 * header is the configured one, which a JDK HTTP client would not let us set.
 */
public final class HttpCollector implements SpanExporter.Transport {
    private static final int MAX_STATUS_LINE = 1024;

    private final Supplier<InetSocketAddress> address;
    private final String path;
    private final String host;
    private final int timeoutMillis;

    /**
     * @param address the collector's address now, or null when there is none (the report fails)
     * @param host    the Host header
     */
    public HttpCollector(Supplier<InetSocketAddress> address, String path, String host, int timeoutMillis) {
        this.address = address;
        this.path = path;
        this.host = host;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public void post(byte[] body, String contentType) throws IOException {
        InetSocketAddress to = address.get();
        if (to == null) {
            throw new IOException("the collector cluster has no endpoint");
        }
        try (Socket socket = new Socket()) {
            socket.connect(to, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            socket.setTcpNoDelay(true);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + contentType
                    + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\nUser-Agent: weft-proxy\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            int status = status(socket.getInputStream());
            if (status < 200 || status > 299) {
                throw new IOException("collector " + to + path + " answered " + status);
            }
        }
    }

    /** The status of {@code HTTP/1.x NNN ...}; the rest of the response is not needed (the connection closes). */
    private static int status(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder(32);
        int c;
        while ((c = in.read()) != -1 && c != '\n' && line.length() < MAX_STATUS_LINE) {
            line.append((char) c);
        }
        String s = line.toString().strip();
        if (!s.startsWith("HTTP/1.") || s.length() < 12 || s.charAt(8) != ' ') {
            throw new IOException("not an HTTP/1.x response: \"" + s + "\"");
        }
        try {
            return Integer.parseInt(s.substring(9, 12));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP/1.x response: \"" + s + "\"");
        }
    }
}
