package dev.weft.proxy.tls;

import java.nio.ByteBuffer;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;

/** Runs a TLS handshake between two engines in memory; throws what either side's handshake throws. */
final class Handshakes {
    private Handshakes() {}

    static void run(SSLEngine client, SSLEngine server) throws SSLException {
        client.setUseClientMode(true);
        ByteBuffer clientToServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer serverToClient = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        int quiet = 0;
        for (int step = 0; step < 200; step++) {
            boolean moved = advance(client, serverToClient, clientToServer);
            moved |= advance(server, clientToServer, serverToClient);
            quiet = done(client) && done(server) && !moved ? quiet + 1 : 0;
            if (quiet == 2) {
                return;
            }
        }
        throw new AssertionError("handshake did not finish: client " + client.getHandshakeStatus()
                + ", server " + server.getHandshakeStatus());
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus s = engine.getHandshakeStatus();
        return s == HandshakeStatus.NOT_HANDSHAKING || s == HandshakeStatus.FINISHED;
    }

    /** One step of one side; whether it consumed or produced anything. */
    private static boolean advance(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws SSLException {
        if (engine.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
            for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
                task.run();
            }
            return true;
        }
        boolean moved = false;
        in.flip();
        if (in.hasRemaining()) {
            // the peer's records, also after the handshake (TLS 1.3 tickets, alerts)
            moved = engine.unwrap(in, ByteBuffer.allocate(1 << 16)).bytesConsumed() > 0;
        }
        in.compact();
        // a side may have records to send without saying NEED_WRAP (BoringSSL's last TLS 1.3 flight)
        moved |= engine.wrap(ByteBuffer.allocate(0), out).bytesProduced() > 0;
        return moved;
    }
}
