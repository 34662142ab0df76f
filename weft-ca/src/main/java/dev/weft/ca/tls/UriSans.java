package dev.weft.ca.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** The URI subject alternative names of a certificate (where an SVID carries its SPIFFE ID). */
public final class UriSans {
    /** GeneralName tag of a uniformResourceIdentifier (RFC 5280 4.2.1.6). */
    private static final int URI_NAME = 6;

    private UriSans() {
    }

    /** The URI SANs of {@code cert}, in order; empty when it has none. */
    public static List<String> of(X509Certificate cert) throws CertificateParsingException {
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        if (names == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>(1);
        for (List<?> n : names) {
            if ((Integer) n.get(0) == URI_NAME) {
                out.add((String) n.get(1));
            }
        }
        return out;
    }
}
