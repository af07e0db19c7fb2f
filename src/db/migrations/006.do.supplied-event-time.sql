-- A document's time may be given by whoever sends it through the ingest
-- API (eventTime), over the time the document states.
ALTER TABLE evidence_documents
  DROP CONSTRAINT evidence_documents_event_time_source_check;
ALTER TABLE evidence_documents
  ADD CONSTRAINT evidence_documents_event_time_source_check CHECK (
    event_time_source IN ('document', 'supplied', 'ingest')
  );
