package dev.weft.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds a free loopback port for a server that must be told its port up front (an external process, a sidecar's
 * outbound port, a port that must stay dead). In-process servers that can bind port 0 should do that instead.
 *
 * <p>The ports come from below the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}), handed out in
 * turn from a random start: a port found here is closed until its user binds it, and a port from the ephemeral
 * range could meanwhile be taken by anything that binds port 0 (another listener of the same test) or connects.
 * Below that range only another caller of this class could take it, and it goes on to the next port. When the
 * range leaves too little room below it, the kernel picks (the old way).
 */
public final class Ports {

    /** The lowest port handed out: above the registered ports of common local services. */
    static final int LOWEST = 10_000;
    private static final int DEFAULT_EPHEMERAL_LOW = 32_768;
    private static final int MIN_POOL = 1_000;

    private static final int EPHEMERAL_LOW = ephemeralLow(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
    /** The next port's offset in the pool (package-private for the test). */
    static final AtomicInteger NEXT = new AtomicInteger(ThreadLocalRandom.current().nextInt(1 << 20));

    private Ports() {
    }

    /** A loopback port that was free a moment ago, from below the ephemeral range when there is room. */
    public static int findFree() {
        int pool = EPHEMERAL_LOW - LOWEST;
        if (pool < MIN_POOL) {
            return kernelPicked();
        }
        for (int i = 0; i < pool; i++) {
            int port = LOWEST + Math.floorMod(NEXT.getAndIncrement(), pool);
            if (bindable(port)) {
                return port;
            }
        }
        return kernelPicked();
    }

    /** The first port of the ephemeral range {@code file} gives ("low high"), or 32768 when it cannot be read. */
    static int ephemeralLow(Path file) {
        // read as a stream: procfs reports a size of 0, and Files.readString/readAllBytes, which size their buffer
        // by it, returned "3" for this file (JDK 17 and 25, kernel 6.18)
        try (BufferedReader reader = Files.newBufferedReader(file)) {
            String line = reader.readLine();
            return Integer.parseInt(line.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return DEFAULT_EPHEMERAL_LOW;
        }
    }

    private static boolean bindable(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int kernelPicked() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind an ephemeral loopback port", e);
        }
    }
}
