package dev.weft.proxy.tls;

import dev.weft.proxy.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

/**
 * Reads PEM certificates and private keys (PKCS#8, PKCS#1 RSA, SEC1 EC) from Envoy DataSources
 * (filename, inline_string, inline_bytes). Errors name the field path and the file.
 */
public final class DataSources {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*)-----END \\1-----");
    // DER prefixes of the AlgorithmIdentifiers a PKCS#1 or SEC1 key is wrapped in to make it PKCS#8.
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86,
            (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    private static final byte[] EC_PUBLIC_KEY_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};
    private static final byte[] VERSION_0 = {0x02, 0x01, 0x00};

    private DataSources() {}

    /** The certificates of a PEM bundle, in order; at least one. */
    public static X509Certificate[] certificates(DataSource source, String path) throws ConfigException {
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

    public static PrivateKey privateKey(DataSource source, String path) throws ConfigException {
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
    public static boolean matches(PrivateKey key, X509Certificate cert) {
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

    /** The text of a DataSource (Latin-1 for files and bytes, which PEM is). */
    public static String read(DataSource source, String path) throws ConfigException {
        switch (source.getSpecifierCase()) {
            case FILENAME -> {
                try {
                    // Latin-1 decodes any bytes; a file that is not PEM then fails as "no PEM ... in <file>".
                    return Files.readString(Path.of(source.getFilename()), StandardCharsets.ISO_8859_1);
                } catch (IOException e) {
                    throw new ConfigException(path + ".filename",
                            "cannot read " + source.getFilename() + ": " + describe(e), e);
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

    /** A short reason for an I/O error, without the exception class. */
    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Where a DataSource's content comes from, for messages: the file name, or inline_string / inline_bytes. */
    public static String describe(DataSource source) {
        return switch (source.getSpecifierCase()) {
            case FILENAME -> source.getFilename();
            case INLINE_BYTES -> "inline_bytes";
            default -> "inline_string";
        };
    }
}
