-- Documents on records: files (a court order, a birth certificate, minutes, photos) attached
-- to one record, named by its kind and id (owner_kind, owner_id: a new kind of owner is one
-- more value, no new table). The bytes are in the document store, encrypted, under the
-- document's id; this row holds what was stored (size, media type, SHA-256 of the plaintext).
-- A document is never overwritten: only its withdrawal (reason, who, when) is ever written
-- after it, and it is never deleted.
CREATE TABLE documents (
    id uuid PRIMARY KEY,
    owner_kind text NOT NULL CHECK (owner_kind IN ('case', 'person', 'contact', 'supervision', 'hospital_patient',
        'voluntary_organisation', 'loan')),
    owner_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('court_order', 'birth_certificate', 'national_id', 'medical_report', 'committee_minutes',
        'photo', 'application', 'other')),
    title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    dated_on date NOT NULL,
    media_type text NOT NULL CHECK (media_type IN ('application/pdf', 'image/jpeg', 'image/png', 'image/tiff', 'image/webp')),
    size_bytes bigint NOT NULL CHECK (size_bytes > 0),
    sha256 bytea NOT NULL CHECK (length(sha256) = 32),
    -- The stored object's size (ciphertext: a header and a tag per 64 KiB chunk).
    stored_bytes bigint NOT NULL CHECK (stored_bytes > size_bytes),
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    withdrawn_at timestamptz,
    withdrawn_by uuid,
    withdrawal_reason text CHECK (length(withdrawal_reason) BETWEEN 1 AND 500),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL)),
    version integer NOT NULL DEFAULT 1
);
-- A record's documents, newest first by id (UUIDv7: creation order), for its list's keyset.
CREATE INDEX documents_owner_idx ON documents (owner_kind, owner_id, id);

-- Never overwritten, never deleted: an update may only withdraw (once).
CREATE FUNCTION documents_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'documents are never deleted (withdraw them)' USING ERRCODE = 'raise_exception';
    END IF;
    IF OLD.withdrawn_at IS NOT NULL
       OR (NEW.id, NEW.owner_kind, NEW.owner_id, NEW.kind, NEW.title, NEW.dated_on, NEW.media_type, NEW.size_bytes, NEW.sha256,
           NEW.stored_bytes, NEW.created_by, NEW.created_at)
          IS DISTINCT FROM
          (OLD.id, OLD.owner_kind, OLD.owner_id, OLD.kind, OLD.title, OLD.dated_on, OLD.media_type, OLD.size_bytes, OLD.sha256,
           OLD.stored_bytes, OLD.created_by, OLD.created_at) THEN
        RAISE EXCEPTION 'a document is never overwritten: only its withdrawal is recorded, once' USING ERRCODE = 'raise_exception';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER documents_append_only BEFORE UPDATE OR DELETE ON documents FOR EACH ROW EXECUTE FUNCTION documents_append_only();
