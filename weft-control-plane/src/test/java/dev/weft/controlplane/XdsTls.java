package dev.weft.controlplane;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.SvidVerifier;
import dev.weft.controlplane.identity.CertificateService;
import dev.weft.controlplane.identity.ControlPlaneIdentity;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCalls;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The client side of the control plane's xDS port for tests, as a proxy's identity agent does it: TLS that accepts
 * only the control plane's SPIFFE ID from the CA's bundle (checked at the control plane's clock, which tests fake),
 * with or without a workload's SVID as client certificate, and the Sign call.
 */
public final class XdsTls {

    private XdsTls() {
    }

    /** A workload's key and the SVID the CA issued for it. */
    public record Workload(KeyPair key, Svid svid) {
    }

    /** Issues {@code identity} a key and SVID straight from {@code ca}, as a join would. */
    public static Workload workload(CertificateAuthority ca, SpiffeId identity) throws Exception {
        KeyPair key = Csr.generateKeyPair();
        return new Workload(key, ca.issue(identity, Csr.create(key, identity)));
    }

    /** A TLS channel to the control plane's xDS port, presenting {@code client}'s SVID (null: none). */
    public static ManagedChannel channel(ControlPlane controlPlane, Clock clock, Workload client) {
        return channel(controlPlane.xdsPort(), controlPlane.certificateAuthority(), clock, client);
    }

    /** A TLS channel to {@code port} checking the server is the control plane of {@code ca}'s trust domain. */
    public static ManagedChannel channel(int port, CertificateAuthority ca, Clock clock, Workload client) {
        try {
            SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(new ControlPlaneTrust(ca, clock));
            if (client != null) {
                tls.keyManager(client.key().getPrivate(), client.svid().chain().toArray(X509Certificate[]::new));
            }
            return NettyChannelBuilder.forAddress("127.0.0.1", port).sslContext(tls.build()).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code weft.ca.v1.CertificateService/Sign}; a refusal is a {@link io.grpc.StatusRuntimeException}. */
    public static CertificateService.SignResponse sign(ManagedChannel channel, String csrPem, String joinToken) {
        return ClientCalls.blockingUnaryCall(channel, CertificateService.SIGN, CallOptions.DEFAULT,
                new CertificateService.SignRequest(csrPem, joinToken));
    }

    /** Trusts exactly the control plane's SVID of the CA's bundle at the time of each handshake. */
    private static final class ControlPlaneTrust extends X509ExtendedTrustManager {
        private final CertificateAuthority ca;
        private final Clock clock;

        ControlPlaneTrust(CertificateAuthority ca, Clock clock) {
            this.ca = ca;
            this.clock = clock;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            new SvidVerifier(ca.bundle(), ca.trustDomain()).verify(chain, SvidVerifier.PeerRole.SERVER,
                    clock.instant(), ControlPlaneIdentity.idIn(ca.trustDomain()));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client does not verify clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return ca.bundle().roots().toArray(X509Certificate[]::new);
        }
    }
}
