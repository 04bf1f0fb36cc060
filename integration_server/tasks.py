"""django-q2 entry points of the kernel: thin, call the services."""

from integration_server.raw_payloads import purge_raw_payloads
from integration_server.schedules import records_schedule_run


@records_schedule_run("purge-raw-payloads")
def purge_raw_payloads_task() -> int:
    return purge_raw_payloads()


@records_schedule_run("purge-personal-data")
def purge_personal_data_task() -> dict:
    from integration_server.retention import purge_personal_data

    return purge_personal_data()


@records_schedule_run("purge-import-files")
def purge_import_files_task() -> int:
    from integration_server.import_storage import purge_stale_import_files

    return purge_stale_import_files()
