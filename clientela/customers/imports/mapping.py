"""Which column feeds which field: guessed from common English and Portuguese headers (and from
the custom fields' labels and keys), or the mapping a user chose last time for the same set of
headers (``ImportMapping``)."""

from __future__ import annotations

import hashlib
import re

from clientela.customers.imports.specs import CUSTOM, ImportSpec
from clientela.customers.models import ImportMapping
from clientela.customers.search_index import fold

# Folded header (accents, case and punctuation removed) → field key. Shared by every record type;
# a spec simply ignores keys it does not have.
ALIASES: dict[str, tuple[str, ...]] = {
    "first_name": ("firstname", "first", "givenname", "forename", "nome", "primeironome"),
    "last_name": ("lastname", "surname", "familyname", "sobrenome", "ultimonome", "apelido"),
    "full_name": ("fullname", "nomecompleto", "contactname", "nomedocontato", "contato"),
    "name": ("name", "accountname", "razaosocial", "nomefantasia", "companyname"),
    "email": ("email", "emailaddress", "mail", "enderecodeemail", "correioeletronico"),
    "phone": (
        *("phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "cell"),
        *("cellphone", "telefone", "celular", "fone", "whatsapp", "telefonecelular"),
    ),
    "tax_id": ("taxid", "cpf", "cnpj", "cpfcnpj", "cnpjcpf", "documento", "vat", "vatnumber"),
    "job_title": ("jobtitle", "title", "position", "role", "cargo", "funcao", "profissao"),
    "company": ("company", "account", "organization", "organisation", "empresa", "organizacao"),
    "external_id": ("externalid", "idexterno", "id", "codigo", "code", "ref", "reference"),
    "street": ("street", "address", "streetaddress", "endereco", "logradouro", "rua"),
    "district": ("district", "neighborhood", "neighbourhood", "bairro"),
    "city": ("city", "town", "cidade", "municipio"),
    "state": ("state", "province", "region", "estado", "uf"),
    "postal_code": ("postalcode", "zip", "zipcode", "postcode", "cep", "codigopostal"),
    "country": ("country", "pais", "countrycode"),
    "website": ("website", "site", "url", "web", "homepage"),
    "description": ("description", "notes", "note", "descricao", "observacoes", "obs"),
}
_LOOKUP = {alias: key for key, aliases in ALIASES.items() for alias in aliases}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def fold_header(header: str) -> str:
    return _NOT_ALNUM.sub("", fold(header))


def header_signature(headers: list[str]) -> str:
    """The same columns (whatever their order, case or accents) give the same signature."""
    folded = sorted(fold_header(h) for h in headers)
    return hashlib.sha256("\x1f".join(folded).encode()).hexdigest()


def _custom_headers(spec: ImportSpec) -> dict[str, str]:
    """Folded label and key of each custom field → its target (``custom.<key>``); a label
    wins over another field's key."""
    found: dict[str, str] = {}
    fields = spec.custom_fields()
    for field in fields:
        found.setdefault(fold_header(field.key.removeprefix(CUSTOM)), field.key)
    for field in fields:
        found[fold_header(str(field.label))] = field.key
    return found


def guess_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str]:
    """``{column index as text: field key}`` for every header the aliases recognise.

    A header that is a built-in field's key names it; then a custom field's label or key
    (case, accents and punctuation aside) names that field; then the aliases guess.
    """
    keys = set(spec.field_keys())
    custom = _custom_headers(spec)
    mapping: dict[str, str] = {}
    for index, header in enumerate(headers):
        folded = fold_header(header)
        key = folded if folded in keys else custom.get(folded) or _LOOKUP.get(folded)
        if key == "name" and "name" not in keys and "full_name" in keys:
            key = "full_name"
        if key == "full_name" and "full_name" not in keys and "name" in keys:
            key = "name"
        if key in keys and key not in mapping.values():
            mapping[str(index)] = key
    return mapping


def remembered_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str] | None:
    stored = ImportMapping.objects.filter(
        object_type=spec.object_type, header_signature=header_signature(headers)
    ).first()
    if stored is None:
        return None
    by_header = stored.mapping
    mapping = {}
    for index, header in enumerate(headers):
        key = by_header.get(fold_header(header))
        if key in spec.field_keys():
            mapping[str(index)] = key
    return mapping


def remember_mapping(spec: ImportSpec, headers: list[str], mapping: dict[str, str]) -> None:
    """Stored by folded header (not position), so reordered columns still match."""
    by_header = {fold_header(headers[int(i)]): key for i, key in mapping.items()}
    ImportMapping.objects.update_or_create(
        object_type=spec.object_type,
        header_signature=header_signature(headers),
        defaults={"mapping": by_header},
    )


def initial_mapping(spec: ImportSpec, headers: list[str]) -> dict[str, str]:
    remembered = remembered_mapping(spec, headers)
    return remembered if remembered is not None else guess_mapping(spec, headers)
