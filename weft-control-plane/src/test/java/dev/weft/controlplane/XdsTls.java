package dev.weft.controlplane;

import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import dev.weft.ca.tls.ControlPlaneTrustManager;
import dev.weft.controlplane.identity.CertificateService;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.ClientCalls;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import javax.net.ssl.SSLException;

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
            SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(ControlPlaneTrustManager.expecting(
                    SpiffeId.controlPlane(ca.trustDomain()), ca::bundle, clock));
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
}
