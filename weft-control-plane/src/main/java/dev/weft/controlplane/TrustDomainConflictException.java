package dev.weft.controlplane;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The MeshConfig names another trust domain than the one the control plane's CA has issued for. Every SVID already
 * out there would stop verifying, so the control plane refuses to start rather than switch silently.
 */
public final class TrustDomainConflictException extends IOException {

    public TrustDomainConflictException(Path caDirectory, String issuing, String configured) {
        super("the certificate authority in " + caDirectory + " issues for trust domain " + issuing
                + " but MeshConfig mesh spec.trustDomain is " + configured + "; set spec.trustDomain back to "
                + issuing + ", or move " + caDirectory + " away to start a new CA (every workload must then join "
                + "again with a new token)");
    }
}
