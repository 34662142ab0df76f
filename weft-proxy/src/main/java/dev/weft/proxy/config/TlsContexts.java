package dev.weft.proxy.config;

import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Builds Netty TLS contexts (JDK provider) from Envoy's Downstream/UpstreamTlsContext, reading
 * PEM certificates and keys from their DataSources. Errors name the field path and the file.
 */
final class TlsContexts {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    // DER prefixes of the AlgorithmIdentifiers a PKCS#1 or SEC1 key is wrapped in to make it PKCS#8.
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private TlsContexts() {}

    /**
     * A server context for a listener.
     *
     * @param path        path of the DownstreamTlsContext
     * @param defaultAlpn protocols offered when common_tls_context.alpn_protocols is empty
     */
    static SslContext server(DownstreamTlsContext tls, List<String> defaultAlpn, String path) throws ConfigException {
        CommonTlsContext common = tls.getCommonTlsContext();
        String commonPath = path + ".common_tls_context";
        if (common.getTlsCertificatesCount() != 1) {
            throw new ConfigException(commonPath + ".tls_certificates",
                    "exactly one certificate is required, got " + common.getTlsCertificatesCount());
        }
        KeyPair pair = keyPair(common.getTlsCertificates(0), commonPath + ".tls_certificates[0]");
        SslContextBuilder builder = SslContextBuilder.forServer(pair.key, pair.chain)
                .sslProvider(SslProvider.JDK)
                .applicationProtocolConfig(alpn(common, defaultAlpn));
        boolean require = tls.hasRequireClientCertificate() && tls.getRequireClientCertificate().getValue();
        if (common.getValidationContext().hasTrustedCa()) {
            builder.trustManager(certificates(common.getValidationContext().getTrustedCa(),
                    commonPath + ".validation_context.trusted_ca"));
            // As Envoy: with a trusted CA a client certificate is verified when presented, and required only on request.
            builder.clientAuth(require ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        } else if (require) {
            throw new ConfigException(path + ".require_client_certificate",
                    "needs common_tls_context.validation_context.trusted_ca to verify client certificates");
        }
        return build(builder, path);
    }

    /**
     * A client context for a cluster. Without a trusted CA the server certificate is not verified,
     * as Envoy does without a validation_context; the host name is never checked against it, since
     * Envoy checks subject alt names only when match_typed_subject_alt_names asks to.
     *
     * @param path        path of the UpstreamTlsContext
     * @param defaultAlpn protocols offered when common_tls_context.alpn_protocols is empty
     */
    static SslContext client(UpstreamTlsContext tls, List<String> defaultAlpn, String path) throws ConfigException {
        CommonTlsContext common = tls.getCommonTlsContext();
        String commonPath = path + ".common_tls_context";
        SslContextBuilder builder = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .endpointIdentificationAlgorithm(null)
                .applicationProtocolConfig(alpn(common, defaultAlpn));
        if (common.getValidationContext().hasTrustedCa()) {
            builder.trustManager(certificates(common.getValidationContext().getTrustedCa(),
                    commonPath + ".validation_context.trusted_ca"));
        } else {
            builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        if (common.getTlsCertificatesCount() > 1) {
            throw new ConfigException(commonPath + ".tls_certificates",
                    "at most one certificate is supported, got " + common.getTlsCertificatesCount());
        }
        if (common.getTlsCertificatesCount() == 1) {
            KeyPair pair = keyPair(common.getTlsCertificates(0), commonPath + ".tls_certificates[0]");
            builder.keyManager(pair.key, pair.chain);
        }
        return build(builder, path);
    }

    private static ApplicationProtocolConfig alpn(CommonTlsContext common, List<String> defaults) {
        List<String> protocols = common.getAlpnProtocolsCount() > 0 ? common.getAlpnProtocolsList() : defaults;
        // The JDK provider supports only these two failure behaviours; a peer without ALPN gets HTTP/1.1.
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols);
    }

    private static SslContext build(SslContextBuilder builder, String path) throws ConfigException {
        try {
            return builder.build();
        } catch (SSLException | RuntimeException e) {
            throw new ConfigException(path, "cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    private record KeyPair(PrivateKey key, X509Certificate[] chain) {}

    private static KeyPair keyPair(TlsCertificate cert, String path) throws ConfigException {
        if (!cert.hasCertificateChain()) {
            throw new ConfigException(path + ".certificate_chain", "is required");
        }
        if (!cert.hasPrivateKey()) {
            throw new ConfigException(path + ".private_key", "is required");
        }
        X509Certificate[] chain = certificates(cert.getCertificateChain(), path + ".certificate_chain");
        PrivateKey key = privateKey(cert.getPrivateKey(), path + ".private_key");
        if (!matches(key, chain[0])) {
            throw new ConfigException(path + ".private_key", "does not match the first certificate of "
                    + describe(cert.getCertificateChain()));
        }
        return new KeyPair(key, chain);
    }

    /** The certificates of a PEM bundle, in order; at least one. */
    static X509Certificate[] certificates(DataSource source, String path) throws ConfigException {
        String pem = read(source, path);
        List<X509Certificate> certs = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            for (Block b : blocks(pem, source, path)) {
                if (b.label.equals("CERTIFICATE")) {
                    certs.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(b.der)));
                }
            }
        } catch (CertificateException e) {
            throw new ConfigException(path, "bad PEM certificate in " + describe(source) + ": " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
            throw new ConfigException(path, "no PEM certificate in " + describe(source));
        }
        return certs.toArray(new X509Certificate[0]);
    }

    private static PrivateKey privateKey(DataSource source, String path) throws ConfigException {
        for (Block b : blocks(read(source, path), source, path)) {
            byte[] pkcs8;
            switch (b.label) {
                case "PRIVATE KEY" -> pkcs8 = b.der;
                case "RSA PRIVATE KEY" -> pkcs8 = sequence(VERSION_0, RSA_ALGORITHM, tlv(0x04, b.der));
                case "EC PRIVATE KEY" -> pkcs8 = sec1ToPkcs8(b.der, source, path);
                case "ENCRYPTED PRIVATE KEY" -> throw new ConfigException(path,
                        "the private key in " + describe(source) + " is encrypted; Weft needs an unencrypted key");
                default -> {
                    continue;
                }
            }
            for (String algorithm : new String[] {"RSA", "EC", "EdDSA"}) {
                try {
                    return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
                } catch (GeneralSecurityException | IllegalArgumentException e) {
                    // not a key of this algorithm: try the next one
                }
            }
            throw new ConfigException(path, "bad PEM private key in " + describe(source)
                    + " (expected an RSA, EC or EdDSA key)");
        }
        throw new ConfigException(path, "no PEM private key in " + describe(source));
    }

    /** Wraps a SEC1 ECPrivateKey into PKCS#8, taking the curve from its [0] parameters. */
    private static byte[] sec1ToPkcs8(byte[] sec1, DataSource source, String path) throws ConfigException {
        try {
            int[] outer = header(sec1, 0);
            int pos = outer[0];
            int end = outer[0] + outer[1];
            while (pos < end) {
                int[] h = header(sec1, pos);
                if ((sec1[pos] & 0xff) == 0xa0) {
                    byte[] curve = Arrays.copyOfRange(sec1, h[0], h[0] + h[1]);
                    return sequence(VERSION_0, tlv(0x30, concat(EC_PUBLIC_KEY_OID, curve)), tlv(0x04, sec1));
                }
                pos = h[0] + h[1];
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new ConfigException(path, "bad EC PRIVATE KEY in " + describe(source), e);
        }
        throw new ConfigException(path, "the EC PRIVATE KEY in " + describe(source) + " does not name its curve");
    }

    /** {content offset, content length} of the DER element at {@code pos}. */
    private static int[] header(byte[] der, int pos) {
        int len = der[pos + 1] & 0xff;
        int offset = pos + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[offset++] & 0xff);
            }
        }
        if (offset + len > der.length) {
            throw new ArrayIndexOutOfBoundsException(offset + len);
        }
        return new int[] {offset, len};
    }

    private static byte[] sequence(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] tlv(int tag, byte[] content) {
        int n = content.length;
        byte[] len = n < 0x80 ? new byte[] {(byte) n}
                : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        return concat(new byte[] {(byte) tag}, len, content);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int pos = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    /** Whether {@code key} belongs to {@code cert}: signs a probe and verifies it with the certificate. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm();
        };
        try {
            byte[] probe = "weft".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private record Block(String label, byte[] der) {}

    private static List<Block> blocks(String pem, DataSource source, String path) throws ConfigException {
        List<Block> blocks = new ArrayList<>();
        Matcher m = PEM.matcher(pem);
        while (m.find()) {
            try {
                blocks.add(new Block(m.group(1), Base64.getMimeDecoder().decode(m.group(2))));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(path, "bad base64 in the " + m.group(1) + " of " + describe(source), e);
            }
        }
        return blocks;
    }

    private static String read(DataSource source, String path) throws ConfigException {
        switch (source.getSpecifierCase()) {
            case FILENAME -> {
                try {
                    // Latin-1 decodes any bytes; a file that is not PEM then fails as "no PEM ... in <file>".
                    return Files.readString(Path.of(source.getFilename()), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new ConfigException(path + ".filename",
                            "cannot read " + source.getFilename() + ": " + BootstrapLoader.describe(e), e);
                }
            }
            case INLINE_STRING -> {
                return source.getInlineString();
            }
            case INLINE_BYTES -> {
                return source.getInlineBytes().toString(StandardCharsets.ISO_8859_1);
            }
            default -> throw new ConfigException(path, "filename, inline_string or inline_bytes is required");
        }
    }

    private static String describe(DataSource source) {
        return switch (source.getSpecifierCase()) {
            case FILENAME -> source.getFilename();
            case INLINE_BYTES -> "inline_bytes";
            default -> "inline_string";
        };
    }
}
