package dev.weft.ca;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate signing request as it travels from a workload to the CA: the workload creates its key pair
 * locally ({@link #generateKeyPair()}) and asks for its SPIFFE ID with {@link #create}; the private key never leaves
 * it. Decoding checks only the form; the CA checks the signature, the key and the name when it signs.
 */
public final class Csr {

    private final PKCS10CertificationRequest request;

    private Csr(PKCS10CertificationRequest request) {
        this.request = request;
    }

    /** A new ECDSA P-256 key pair, the key type Weft issues SVIDs for. */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
            throw new IllegalStateException("this JVM cannot generate ECDSA P-256 keys", e);
        }
    }

    /** A CSR for {@code identity} (its only subject alternative name, a URI), signed with the pair's private key. */
    public static Csr create(KeyPair keyPair, SpiffeId identity) {
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.subjectAlternativeName, true,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity.toString())));
            ContentSigner signer = new JcaContentSignerBuilder(Certificates.signatureAlgorithm(keyPair.getPrivate()))
                    .build(keyPair.getPrivate());
            return new Csr(new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]),
                    keyPair.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(signer));
        } catch (IOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build a CSR: " + e.getMessage(), e);
        }
    }

    /** Decodes a DER-encoded CSR. */
    public static Csr fromDer(byte[] der) throws CsrRejectedException {
        try {
            return new Csr(new PKCS10CertificationRequest(der));
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("not a DER-encoded PKCS#10 request: " + e.getMessage());
        }
    }

    /** Decodes a PEM {@code CERTIFICATE REQUEST}. */
    public static Csr fromPem(String pem) throws CsrRejectedException {
        Object entry;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            entry = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw new CsrRejectedException("not a PEM CERTIFICATE REQUEST: " + e.getMessage());
        }
        if (!(entry instanceof PKCS10CertificationRequest request)) {
            throw new CsrRejectedException("no CERTIFICATE REQUEST PEM block found");
        }
        return new Csr(request);
    }

    public byte[] der() {
        try {
            return request.getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String pem() {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * The SPIFFE ID this CSR asks for (its one URI subject alternative name), or null when it asks for no name.
     *
     * @throws CsrRejectedException when it asks for other names, more than one, or a URI that is not a SPIFFE ID
     */
    public SpiffeId requestedIdentity() throws CsrRejectedException {
        Attribute[] attributes = request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest);
        if (attributes.length == 0) {
            return null;
        }
        if (attributes.length > 1 || attributes[0].getAttrValues().size() != 1) {
            throw new CsrRejectedException("it has more than one extension request");
        }
        GeneralNames names;
        try {
            ASN1Encodable value = attributes[0].getAttrValues().getObjectAt(0);
            names = GeneralNames.fromExtensions(Extensions.getInstance(value), Extension.subjectAlternativeName);
        } catch (RuntimeException e) {
            throw new CsrRejectedException("its extension request cannot be read: " + e.getMessage());
        }
        if (names == null) {
            return null;
        }
        GeneralName[] all = names.getNames();
        if (all.length != 1 || all[0].getTagNo() != GeneralName.uniformResourceIdentifier) {
            throw new CsrRejectedException("it asks for the names " + names.toString().replace('\n', ' ').trim()
                    + "; an SVID carries exactly one name, the SPIFFE ID as a URI");
        }
        String uri = all[0].getName().toString();
        try {
            return SpiffeId.parse(uri);
        } catch (InvalidSpiffeIdException e) {
            throw new CsrRejectedException(e.getMessage());
        }
    }

    PKCS10CertificationRequest request() {
        return request;
    }
}
