package dev.weft.controlplane.identity;

import dev.weft.ca.SpiffeId;
import dev.weft.ca.SvidVerificationException;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates the callers of the control plane's gRPC services by their TLS client certificate: a certificate
 * that is a valid SVID of the trust domain (checked again per call, since a connection can outlive its certificate)
 * puts its SPIFFE ID in the call's {@link Context}, where {@link #current()} finds it. A certificate that does not
 * verify ends the call with UNAUTHENTICATED and the reason; no certificate leaves the call anonymous, or, for a
 * service that {@linkplain #required requires} one, ends it with UNAUTHENTICATED.
 *
 * <p>Without TLS (no identity: {@code --insecure-xds}) every call is anonymous and nothing is required.
 */
public final class ClientIdentityInterceptor implements ServerInterceptor {

    private static final Context.Key<SpiffeId> CLIENT = Context.key("weft-client-spiffe-id");

    private final ControlPlaneIdentity identity;
    private final boolean required;

    private ClientIdentityInterceptor(ControlPlaneIdentity identity, boolean required) {
        this.identity = identity;
        this.required = required;
    }

    /** Calls must come with a client SVID (when {@code identity} is not null: TLS is served). */
    public static ClientIdentityInterceptor required(ControlPlaneIdentity identity) {
        return new ClientIdentityInterceptor(identity, true);
    }

    /** Calls may come with a client SVID, which must then verify. */
    public static ClientIdentityInterceptor optional(ControlPlaneIdentity identity) {
        return new ClientIdentityInterceptor(identity, false);
    }

    /** The SPIFFE ID of the current call's verified client certificate, or null when it sent none. */
    public static SpiffeId current() {
        return CLIENT.get();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (identity == null) {
            return next.startCall(call, headers);
        }
        X509Certificate[] chain = peerChain(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        if (chain == null) {
            if (required) {
                return refuse(call, "this service needs the workload's certificate (SVID) as TLS client "
                        + "certificate; none was sent");
            }
            return next.startCall(call, headers);
        }
        SpiffeId client;
        try {
            client = identity.verifyClient(chain);
        } catch (SvidVerificationException e) {
            return refuse(call, "the client certificate is refused: " + e.getMessage());
        }
        return Contexts.interceptCall(Context.current().withValue(CLIENT, client), call, headers, next);
    }

    private static X509Certificate[] peerChain(SSLSession session) {
        if (session == null) {
            return null;
        }
        Certificate[] certificates;
        try {
            certificates = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (certificates == null || certificates.length == 0) {
            return null;
        }
        X509Certificate[] chain = new X509Certificate[certificates.length];
        for (int i = 0; i < certificates.length; i++) {
            if (!(certificates[i] instanceof X509Certificate x509)) {
                return null;
            }
            chain[i] = x509;
        }
        return chain;
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, String reason) {
        call.close(Status.UNAUTHENTICATED.withDescription(reason), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
