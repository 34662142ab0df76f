package dev.weft.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.handler.ssl.util.SimpleKeyManagerFactory;
import java.security.KeyStore;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Netty TLS contexts from {@link TlsSettings}: BoringSSL (netty-tcnative) when it loads, the JDK provider
 * otherwise; key and trust managers that read their secrets at each handshake, so a context is built once per
 * config and survives rotations.
 */
public final class TlsContextFactory {
    /**
     * Key material OpenSSL keeps per alias (each version of a certificate secret has its own): a handshake
     * then does not re-encode the chain and key. Entries whose alias no longer resolves are evicted first.
     */
    private static final int CACHED_KEY_MATERIAL = 8;
    private static final Logger log = LoggerFactory.getLogger(TlsContextFactory.class);
    private static final SslProvider DEFAULT_PROVIDER = chooseProvider();

    private TlsContextFactory() {}

    private static SslProvider chooseProvider() {
        if (OpenSsl.isAvailable() && OpenSsl.supportsKeyManagerFactory() && OpenSsl.isAlpnSupported()) {
            log.info("TLS: {} (netty-tcnative)", OpenSsl.versionString());
            return SslProvider.OPENSSL;
        }
        log.info("TLS: the JDK provider (netty-tcnative did not load: {})", OpenSsl.unavailabilityCause() == null
                ? "no KeyManagerFactory or ALPN support" : OpenSsl.unavailabilityCause().toString());
        return SslProvider.JDK;
    }

    /** The provider contexts are built with: OPENSSL (BoringSSL) when it loads, else JDK. */
    public static SslProvider defaultProvider() {
        return DEFAULT_PROVIDER;
    }

    /** A server context: presents the certificate, verifies clients when the settings have a validation. */
    public static SslContext server(TlsSettings settings, SecretStore store, SslProvider provider) throws SSLException {
        if (!settings.hasCertificate()) {
            throw new IllegalArgumentException("a server context needs a certificate");
        }
        SslContextBuilder b = SslContextBuilder.forServer(keyManagerFactory(settings, store, provider));
        common(b, settings, store, provider);
        if (settings.verifiesPeer()) {
            // as Envoy: a client certificate is verified when presented, required only on request
            b.clientAuth(settings.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return b.build();
    }

    /**
     * A client context. Without a validation the server certificate is not verified, as Envoy does without a
     * validation_context; the host name is never checked, only the SAN matchers.
     */
    public static SslContext client(TlsSettings settings, SecretStore store, SslProvider provider) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm(null);
        if (settings.hasCertificate()) {
            b.keyManager(keyManagerFactory(settings, store, provider));
        }
        common(b, settings, store, provider);
        if (!settings.verifiesPeer()) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        return b.build();
    }

    private static void common(SslContextBuilder b, TlsSettings settings, SecretStore store, SslProvider provider) {
        b.sslProvider(provider)
                .protocols(settings.protocols())
                // The JDK provider supports only these two failure behaviours; a peer without ALPN gets HTTP/1.1.
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, settings.alpn()));
        if (settings.verifiesPeer()) {
            Supplier<ValidationSecret> validation;
            String source;
            if (settings.validationSecret() != null) {
                String name = settings.validationSecret();
                validation = () -> store.validation(name);
                source = "secret " + name;
            } else {
                ValidationSecret fixed = settings.validation();
                validation = () -> fixed;
                source = "the validation context";
            }
            b.trustManager(new PeerTrustManager(validation, source, settings.sanMatchers(), store.clock()));
        }
    }

    private static KeyManagerFactory keyManagerFactory(TlsSettings settings, SecretStore store, SslProvider provider) {
        SecretKeyManager km = settings.certificateSecret() != null
                ? SecretKeyManager.dynamic(store, settings.certificateSecret())
                : SecretKeyManager.fixed(settings.certificate());
        KeyManagerFactory factory = new OneKeyManagerFactory(km);
        return provider == SslProvider.JDK ? factory : new OpenSslCachingX509KeyManagerFactory(factory, CACHED_KEY_MATERIAL);
    }

    /** A factory of one given key manager. */
    private static final class OneKeyManagerFactory extends SimpleKeyManagerFactory {
        private final KeyManager[] managers;

        OneKeyManagerFactory(KeyManager manager) {
            this.managers = new KeyManager[] {manager};
        }

        @Override
        protected void engineInit(KeyStore keyStore, char[] password) {
        }

        @Override
        protected void engineInit(ManagerFactoryParameters params) {
        }

        @Override
        protected KeyManager[] engineGetKeyManagers() {
            return managers.clone();
        }
    }
}
