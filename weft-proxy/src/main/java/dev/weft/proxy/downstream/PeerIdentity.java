package dev.weft.proxy.downstream;

import dev.weft.proxy.tls.ValidationSecret;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import io.netty.util.AttributeKey;

/**
 * Who is on the other end of a downstream connection, as its verified TLS client certificate says: set on the
 * connection's channel once the handshake verified the peer, absent on plaintext connections and when the client
 * sent no certificate. An upstream connection over TLS holds the server's identity the same way. Request filters (authorization, access logs) read it from the channel.
 *
 * @param principal the peer certificate's URI SAN (for a workload, its SPIFFE ID {@code spiffe://td/ns/N/sa/A})
 */
public record PeerIdentity(String principal) {

    /** The channel attribute holding a connection's verified peer. */
    public static final AttributeKey<PeerIdentity> KEY = AttributeKey.valueOf(PeerIdentity.class, "peer");

    /**
     * The peer's identity after a handshake: the URI SAN of the certificate it presented, which the trust manager
     * has verified (for SPIFFE, its one SPIFFE ID); null without a certificate.
     */
    public static PeerIdentity fromHandshake(SslHandler ssl) {
        if (ssl == null) {
            return null;
        }
        try {
            Certificate[] certs = ssl.engine().getSession().getPeerCertificates();
            if (certs.length > 0 && certs[0] instanceof X509Certificate leaf) {
                List<String> uris = ValidationSecret.uriSans(leaf);
                return uris.isEmpty() ? null : new PeerIdentity(uris.get(0));
            }
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            // no peer certificate (optional client auth), or none readable: no identity
        }
        return null;
    }

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
