package dev.weft.controlplane.identity;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.ca.CertificateAuthority;
import dev.weft.ca.Csr;
import dev.weft.ca.CsrRejectedException;
import dev.weft.ca.JoinTokenRefusedException;
import dev.weft.ca.RateLimitedException;
import dev.weft.ca.SigningRefusedException;
import dev.weft.ca.SpiffeId;
import dev.weft.ca.Svid;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code weft.ca.v1.CertificateService/Sign}: the CA signs a workload's CSR over the xDS port. Messages are JSON
 * (request {@code {"csr": "<PEM>", "joinToken": "..."}}, response {@code {"certificateChain": "<PEM leaf and
 * intermediates>", "trustBundle": "<PEM roots>"}}), so a client needs no generated code.
 *
 * <p>A first certificate comes with a one-time join token bound to the namespace and account the CSR names. A
 * renewal comes without a token over TLS with the workload's current certificate as client certificate (verified
 * by {@link ClientIdentityInterceptor}), and its CSR may name only that identity. Refusals: UNAUTHENTICATED (the
 * token is unknown, reused, expired or for another identity, or there is neither token nor client certificate),
 * PERMISSION_DENIED (a renewal for another identity), INVALID_ARGUMENT (the request or its CSR), RESOURCE_EXHAUSTED
 * (the signing rate limit; trailer {@value #RETRY_AFTER_MS} says when to retry).
 */
public final class CertificateService {

    /** The gRPC service name. */
    public static final String SERVICE = "weft.ca.v1.CertificateService";
    /** The trailer of a RESOURCE_EXHAUSTED answer that says in how many milliseconds a permit is free again. */
    public static final String RETRY_AFTER_MS = "weft-retry-after-ms";

    private static final Logger LOG = LoggerFactory.getLogger(CertificateService.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Metadata.Key<String> RETRY_AFTER_KEY =
            Metadata.Key.of(RETRY_AFTER_MS, Metadata.ASCII_STRING_MARSHALLER);

    /** The request: a PEM CSR, and the join token for a first certificate (null for a renewal). */
    public record SignRequest(String csr, String joinToken) {
    }

    /** The answer: the new certificate chain (leaf first) and the roots to trust, both PEM. */
    public record SignResponse(String certificateChain, String trustBundle) {
    }

    /** The method for clients (and tests): JSON both ways. */
    public static final MethodDescriptor<SignRequest, SignResponse> SIGN = method(json(SignRequest.class));

    /** The server's view of the method: the request stays bytes until the handler can answer a bad one itself. */
    private static final MethodDescriptor<byte[], SignResponse> SIGN_SERVER = method(new BytesMarshaller());

    private final CertificateAuthority ca;

    private CertificateService(CertificateAuthority ca) {
        this.ca = ca;
    }

    /** The service, signing with {@code ca}; callers' identities come from {@link ClientIdentityInterceptor}. */
    public static ServerServiceDefinition definition(CertificateAuthority ca) {
        CertificateService service = new CertificateService(ca);
        return ServerServiceDefinition.builder(SERVICE)
                .addMethod(SIGN_SERVER, ServerCalls.asyncUnaryCall(service::sign))
                .build();
    }

    private void sign(byte[] body, StreamObserver<SignResponse> response) {
        try {
            response.onNext(sign(body));
            response.onCompleted();
        } catch (StatusException e) {
            response.onError(e);
        }
    }

    private SignResponse sign(byte[] body) throws StatusException {
        SignRequest request;
        try {
            request = JSON.readValue(body, SignRequest.class);
        } catch (JsonProcessingException e) {
            throw refusal(Status.INVALID_ARGUMENT, "the request is not a JSON object {\"csr\", \"joinToken\"}: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (request == null || request.csr() == null || request.csr().isBlank()) {
            throw refusal(Status.INVALID_ARGUMENT, "csr: is required (a PEM CERTIFICATE REQUEST)");
        }
        SpiffeId caller = ClientIdentityInterceptor.current();
        try {
            Csr csr = Csr.fromPem(request.csr());
            Svid svid;
            if (request.joinToken() != null && !request.joinToken().isEmpty()) {
                svid = ca.issueWithJoinToken(request.joinToken(), csr);
                LOG.debug("issued {} with a join token, valid until {}", svid.spiffeId(), svid.notAfter());
            } else if (caller == null) {
                throw refusal(Status.UNAUTHENTICATED, "no join token and no client certificate: a workload's first "
                        + "certificate needs a join token (weft token create), a renewal its current certificate "
                        + "as TLS client certificate");
            } else {
                SpiffeId requested = csr.requestedIdentity();
                if (requested != null && !requested.equals(caller)) {
                    throw refusal(Status.PERMISSION_DENIED, "the CSR asks for " + requested + " but the client "
                            + "certificate is " + caller + "; a renewal keeps its identity (another one needs a join "
                            + "token)");
                }
                svid = ca.issue(caller, csr);
                LOG.debug("renewed {}, valid until {}", svid.spiffeId(), svid.notAfter());
            }
            return new SignResponse(svid.chainPem(), ca.bundle().toPem());
        } catch (JoinTokenRefusedException e) {
            throw refusal(Status.UNAUTHENTICATED, e.getMessage());
        } catch (CsrRejectedException e) {
            throw refusal(Status.INVALID_ARGUMENT, e.getMessage());
        } catch (RateLimitedException e) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER_KEY, Long.toString(e.retryAfter().toMillis()));
            throw Status.RESOURCE_EXHAUSTED.withDescription(e.getMessage()).asException(trailers);
        } catch (SigningRefusedException e) {
            throw refusal(Status.INVALID_ARGUMENT, e.getMessage());
        } catch (IOException e) {
            LOG.error("cannot record a join token's redemption", e);
            throw refusal(Status.INTERNAL, "the join token's redemption cannot be recorded: " + e.getMessage());
        } catch (IllegalStateException e) {
            // the issuing chain expired: only a root rotation helps
            throw refusal(Status.FAILED_PRECONDITION, e.getMessage());
        }
    }

    private static StatusException refusal(Status status, String message) {
        return status.withDescription(message).asException();
    }

    private static <Q> MethodDescriptor<Q, SignResponse> method(MethodDescriptor.Marshaller<Q> requests) {
        return MethodDescriptor.<Q, SignResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Sign"))
                .setRequestMarshaller(requests)
                .setResponseMarshaller(json(SignResponse.class))
                .build();
    }

    private static <T> MethodDescriptor.Marshaller<T> json(Class<T> type) {
        return new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(T value) {
                try {
                    return new ByteArrayInputStream(JSON.writeValueAsBytes(value));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(),
                            e);
                }
            }

            @Override
            public T parse(InputStream stream) {
                try {
                    return JSON.readValue(stream, type);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot decode " + type.getSimpleName() + ": " + e.getMessage(),
                            e);
                }
            }
        };
    }

    private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
