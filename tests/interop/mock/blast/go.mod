module kwire/interop/blast

go 1.26.0
