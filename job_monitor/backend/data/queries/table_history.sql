-- The Delta history of one table (${table}: its three-part name, quoted by the caller), newest
-- version first. Each version names the job run that committed it (`job`), what it did
-- (`operation`, `operationParameters`) and the rows it wrote (`operationMetrics`). Bounded to the
-- latest 200 versions: a month of daily writes, or eight days of hourly ones.
DESCRIBE HISTORY ${table} LIMIT 200
