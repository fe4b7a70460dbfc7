module portico/integration

go 1.19
