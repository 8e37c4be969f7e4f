"""`elicence issue`: rows are read (rows), checked (validation), signed and stored by
worker processes (signing, saving), anchored, then reported and printed (outputs,
letters); pipeline runs the stages, batches signs small batches in process, samples makes
fictional input rows."""
