package dev.weft.proxy.downstream;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Who is on the other end of a downstream connection, as its verified TLS client certificate says: set on the
 * connection's channel once the handshake verified the peer, absent on plaintext connections and when the client
 * sent no certificate. Request filters (authorization, access logs) read it from the channel.
 *
 * @param principal the peer certificate's URI SAN (for a workload, its SPIFFE ID {@code spiffe://td/ns/N/sa/A})
 */
public record PeerIdentity(String principal) {

    /** The channel attribute holding a connection's verified peer. */
    public static final AttributeKey<PeerIdentity> KEY = AttributeKey.valueOf(PeerIdentity.class, "peer");

    /** The verified peer of {@code channel}'s connection (for an HTTP/2 stream channel, of its parent), or null. */
    public static PeerIdentity of(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            PeerIdentity id = c.attr(KEY).get();
            if (id != null) {
                return id;
            }
        }
        return null;
    }
}
