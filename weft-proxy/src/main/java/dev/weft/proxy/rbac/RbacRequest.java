package dev.weft.proxy.rbac;

import dev.weft.proxy.downstream.PeerIdentity;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One request as RBAC matchers see it: its head (origin-form URI, Host as :authority), the verified
 * peer of its connection, the addresses and the destination port. Made once per request on its
 * event loop; what only some matchers need (the path without query, the address x-forwarded-for
 * names) is worked out the first time one asks.
 */
public final class RbacRequest {
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private final HttpRequest request;
    private final String principal;
    private final InetAddress directRemote;
    private final boolean remoteFromForwardedFor;
    private final int destinationPort;
    private String path;
    private InetAddress remote;
    private boolean remoteKnown;

    /**
     * @param request          the request head, its URI in origin form
     * @param principal        the verified peer's URI SAN (its SPIFFE ID), null on a plaintext connection or
     *                         one whose client sent no certificate
     * @param directRemote     the address of the downstream connection's peer, null when it has none
     * @param destinationPort  the local port the connection came in on, -1 when unknown
     * @param useRemoteAddress the connection manager's use_remote_address: when false, the remote address
     *                         (remote_ip) is the last address of x-forwarded-for, as in Envoy
     */
    public RbacRequest(HttpRequest request, String principal, InetAddress directRemote, int destinationPort,
            boolean useRemoteAddress) {
        this.request = request;
        this.principal = principal;
        this.directRemote = directRemote;
        this.destinationPort = destinationPort;
        this.remoteFromForwardedFor = !useRemoteAddress;
    }

    /** The request on downstream connection {@code channel}, which holds the {@link PeerIdentity}. */
    public static RbacRequest of(HttpRequest request, Channel channel, SocketAddress remote, boolean useRemoteAddress) {
        PeerIdentity peer = PeerIdentity.of(channel);
        InetAddress direct = remote instanceof InetSocketAddress isa ? isa.getAddress() : null;
        int port = channel.localAddress() instanceof InetSocketAddress local ? local.getPort() : -1;
        return new RbacRequest(request, peer == null ? null : peer.principal(), direct, port, useRemoteAddress);
    }

    HttpRequest head() {
        return request;
    }

    /** The verified peer's principal, or null: then no {@code authenticated} principal matches. */
    String principal() {
        return principal;
    }

    /** The URI's path, without query and fragment (what url_path matches, as in Envoy). */
    String path() {
        String p = path;
        if (p == null) {
            String uri = request.uri();
            int end = uri.length();
            int q = uri.indexOf('?');
            if (q >= 0) {
                end = q;
            }
            int f = uri.indexOf('#');
            if (f >= 0 && f < end) {
                end = f;
            }
            p = path = end == uri.length() ? uri : uri.substring(0, end);
        }
        return p;
    }

    InetAddress directRemoteAddress() {
        return directRemote;
    }

    /** The downstream's address after x-forwarded-for processing (Envoy's remote_ip). */
    InetAddress remoteAddress() {
        if (!remoteKnown) {
            remote = remoteFromForwardedFor ? lastForwardedFor() : directRemote;
            remoteKnown = true;
        }
        return remote;
    }

    int destinationPort() {
        return destinationPort;
    }

    /** The last address of x-forwarded-for (the hop nearest this proxy); the peer's when there is none or it is not an IP. */
    private InetAddress lastForwardedFor() {
        java.util.List<String> values = request.headers().getAll(X_FORWARDED_FOR);
        if (values.isEmpty()) {
            return directRemote;
        }
        String xff = values.get(values.size() - 1);
        int comma = xff.lastIndexOf(',');
        String last = xff.substring(comma + 1).trim();
        InetAddress a = NetUtil.createInetAddressFromIpAddressString(last);
        return a == null ? directRemote : a;
    }
}
