package dev.weft.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Finds a free loopback port for an external process that must be told its port up front. In-process
 * servers bind port 0 instead; a port found here can be taken by someone else before it is used.
 */
public final class Ports {

    private Ports() {
    }

    /** Binds an ephemeral port on 127.0.0.1, closes it and returns its number. */
    public static int findFree() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind an ephemeral loopback port", e);
        }
    }
}
