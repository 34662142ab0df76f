package dev.weft.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;

/** PEM text of certificates and private keys: read with a message that says what was found instead, written as PKCS#8. */
public final class Pem {

    private Pem() {
    }

    /**
     * The certificates of a PEM text in their order.
     *
     * @throws IllegalArgumentException when an entry is not a certificate or cannot be decoded (the message says
     *         which entry), or when there is no certificate at all
     */
    public static List<X509Certificate> certificates(String pem) {
        List<X509Certificate> certificates = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object entry;
            int index = 0;
            while ((entry = readNext(parser, index + 1)) != null) {
                index++;
                if (!(entry instanceof X509CertificateHolder holder)) {
                    throw new IllegalArgumentException("PEM entry " + index + " is " + describe(entry)
                            + ", not a CERTIFICATE");
                }
                certificates.add(certificate(holder.getEncoded(), index));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("no CERTIFICATE PEM block found");
        }
        return List.copyOf(certificates);
    }

    /**
     * The one private key of a PEM text (PKCS#8 {@code PRIVATE KEY} or a traditional {@code EC/RSA PRIVATE KEY}).
     *
     * @throws IllegalArgumentException when there is no key, more than one entry, or the key is encrypted
     */
    public static PrivateKey privateKey(String pem) {
        Object entry;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            entry = readNext(parser, 1);
            if (entry == null) {
                throw new IllegalArgumentException("no PRIVATE KEY PEM block found");
            }
            if (readNext(parser, 2) != null) {
                throw new IllegalArgumentException("more than one PEM entry; expected only the private key");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (entry instanceof PEMEncryptedKeyPair || entry instanceof PKCS8EncryptedPrivateKeyInfo) {
            throw new IllegalArgumentException("the private key is encrypted; Weft needs it unencrypted "
                    + "(protected by file permissions)");
        }
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            if (entry instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            if (entry instanceof PEMKeyPair pair) {
                return converter.getKeyPair(pair).getPrivate();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("the private key cannot be decoded: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the PEM entry is " + describe(entry) + ", not a PRIVATE KEY");
    }

    /** Certificates as consecutive {@code CERTIFICATE} blocks. */
    public static String encode(List<X509Certificate> certificates) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            for (X509Certificate certificate : certificates) {
                writer.writeObject(certificate);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A private key as a PKCS#8 {@code PRIVATE KEY} block, the form Netty and OpenSSL both read. */
    public static String encode(PrivateKey key) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            PemObject pkcs8 = new JcaPKCS8Generator(key, null).generate();
            writer.writeObject(pkcs8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The DER encoding of a certificate, which every certificate this package handles has. */
    static byte[] der(X509Certificate certificate) {
        try {
            return certificate.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("certificate cannot be encoded: " + e.getMessage(), e);
        }
    }

    static X509Certificate certificate(byte[] der, int index) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
        } catch (CertificateException e) {
            throw new IllegalArgumentException("PEM entry " + index + " is not a valid certificate: "
                    + e.getMessage(), e);
        }
    }

    private static Object readNext(PEMParser parser, int index) {
        try {
            return parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("PEM entry " + index + " cannot be read: " + e.getMessage(), e);
        }
    }

    private static String describe(Object entry) {
        return "a " + entry.getClass().getSimpleName();
    }
}
