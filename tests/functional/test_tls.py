"""TLS: the modules verify certificates unless told not to, and saying so is loud.

The local cloud's app (the session's, so resources() sees what happens) is served over HTTPS on 127.0.0.1 with a
self-signed certificate made here; its catalog names that same HTTPS origin, so every call after the login uses TLS
too. requests lets REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE override a session's verify setting (see the expected failure
below), and many machines set them (this one does); the tests of the documented behaviour blank them.
"""

import datetime
import ipaddress
import ssl
import threading
import uuid

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import WSGIRequestHandler, make_server

from playbook_support import control, play, resources

NO_CA_BUNDLE = {"REQUESTS_CA_BUNDLE": "", "CURL_CA_BUNDLE": ""}
VERIFICATION_OFF = "validate_certs is false: TLS certificates of"


def self_signed(directory, name):
    """A certificate for 127.0.0.1 that is its own CA; returns the paths of the certificate and of its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                                key_encipherment=False, data_encipherment=False, key_agreement=False,
                                                encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / (name + ".pem"), directory / (name + ".key")
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class _Quiet(WSGIRequestHandler):
    def log_request(self, code="-", size="-"):
        pass


class Endpoint:
    def __init__(self, url, cert, other_cert):
        self.url = url
        self.cert = cert
        self.other_cert = other_cert


@pytest.fixture
def https(localcloud, tmp_path):
    """The local cloud over HTTPS; ``cert`` is its certificate, ``other_cert`` one it does not have."""
    cert, key = self_signed(tmp_path, "localcloud")
    other_cert, _key = self_signed(tmp_path, "other")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = make_server("127.0.0.1", 0, localcloud.app, threaded=True, request_handler=_Quiet, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield Endpoint("https://127.0.0.1:%d" % server.server_port, cert, other_cert)
    server.shutdown()
    thread.join()
    server.server_close()


def own_image(cloud):
    return control(cloud, "POST", "images", json={"region": "DFW", "owner": "100001", "name": "tls-%s" % uuid.uuid4().hex[:8]})


def tag(title, image, **options):
    """An image task that changes the image (a property named after the task) once it gets through."""
    return {"name": title, "opencloud.images.image": dict(options, image=image["id"], properties={title.replace(" ", "_"): "yes"})}


def test_verification_is_on_by_default_and_a_failure_changes_nothing(localcloud, https, playbook):
    image = own_image(localcloud)
    before = resources(localcloud)
    run = playbook(play(https, dict(tag("by default", image), ignore_errors=True),
                        dict(tag("another CA", image, ca_cert=https.other_cert), ignore_errors=True)), env=NO_CA_BUNDLE)
    assert run.rc == 0, run.output
    for title in ("by default", "another CA"):
        result = run.results()[title]
        assert result["failed"] and not result["msg"].startswith("Task failed:"), result["msg"]
        for words in ("%s/identity/v2.0/tokens failed: TLS verification failed" % https.url, "CERTIFICATE_VERIFY_FAILED",
                      "set ca_cert to your CA bundle", "validate_certs: false only for a test endpoint"):
            assert words in result["msg"], result["msg"]
    assert VERIFICATION_OFF not in run.output
    assert resources(localcloud) == before


def test_ca_cert_trusts_a_private_ca_and_turning_verification_off_warns(localcloud, https, playbook):
    image = own_image(localcloud)
    run = playbook(play(https, tag("ca cert option", image, ca_cert=https.cert), tag("ca cert from OS_CACERT", image),
                        tag("verification off", image, validate_certs=False)),
                   env=dict(NO_CA_BUNDLE, OS_CACERT=https.cert))
    assert run.rc == 0, run.output
    results = run.results()
    for title in ("ca cert option", "ca cert from OS_CACERT"):
        assert results[title]["changed"] and not results[title].get("warnings"), results[title]
    off = results["verification off"]
    assert off["changed"] and off["image"]["verification_off"] == "yes"
    assert off["warnings"] == ["validate_certs is false: TLS certificates of %s/identity/v2.0 and every endpoint are not checked. "
                               "Use ca_cert for a private CA instead." % https.url]
    assert "[WARNING]: " + VERIFICATION_OFF in run.output


def test_a_missing_ca_cert_file_is_named(localcloud, https, playbook, tmp_path):
    image = own_image(localcloud)
    before = resources(localcloud)
    run = playbook(play(https, tag("missing ca cert", image, ca_cert=str(tmp_path / "no-such-ca.pem"))), env=NO_CA_BUNDLE)
    result = run.results()["missing ca cert"]
    assert resources(localcloud) == before
    assert result["failed"] and not result["msg"].startswith("Task failed:") and result.get("option") == "ca_cert", result["msg"]


def test_ca_cert_and_verification_off_hold_when_the_environment_names_a_ca_bundle(localcloud, https, playbook):
    image = own_image(localcloud)
    bundle = {"REQUESTS_CA_BUNDLE": https.other_cert, "CURL_CA_BUNDLE": https.other_cert}
    run = playbook(play(https, dict(tag("ca cert option", image, ca_cert=https.cert), ignore_errors=True),
                        dict(tag("verification off", image, validate_certs=False), ignore_errors=True)), env=bundle)
    results = run.results()
    assert not results["ca cert option"].get("failed"), results["ca cert option"]["msg"]
    assert not results["verification off"].get("failed"), results["verification off"]["msg"]
