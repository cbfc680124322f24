from tortoise import migrations
from tortoise.migrations import operations as ops
from domcctv.models.audit import AuditAction, ResourceType
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0002_devices_ingest')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='AuditLog',
            name='action',
            field=fields.CharEnumField(description='LOGIN: LOGIN\nLOGIN_FAILED: LOGIN_FAILED\nLOGOUT: LOGOUT\nTOKEN_REFRESH: TOKEN_REFRESH\nPASSWORD_CHANGE: PASSWORD_CHANGE\nPASSWORD_RESET_REQUEST: PASSWORD_RESET_REQUEST\nPASSWORD_RESET: PASSWORD_RESET\nVIEW_EVENT: VIEW_EVENT\nSEARCH_EVENTS: SEARCH_EVENTS\nCREATE_METADATA: CREATE_METADATA\nUPDATE_METADATA: UPDATE_METADATA\nCHANGE_STATUS: CHANGE_STATUS\nCORRECT_PLATE: CORRECT_PLATE\nASSIGN_COMPANY: ASSIGN_COMPANY\nINGEST_EVENT: INGEST_EVENT\nDOWNLOAD_VIDEO: DOWNLOAD_VIDEO\nEXPORT_DATA: EXPORT_DATA\nCREATE_USER: CREATE_USER\nUPDATE_USER: UPDATE_USER\nMODIFY_PERMISSIONS: MODIFY_PERMISSIONS\nUPDATE_PREFERENCES: UPDATE_PREFERENCES\nCREATE_COMPANY: CREATE_COMPANY\nUPDATE_COMPANY: UPDATE_COMPANY\nREGISTER_VEHICLE: REGISTER_VEHICLE\nREMOVE_VEHICLE: REMOVE_VEHICLE\nCONFIGURE_DEVICE: CONFIGURE_DEVICE\nDEVICE_ACTION: DEVICE_ACTION\nUPDATE_WATCHLIST: UPDATE_WATCHLIST', enum_type=AuditAction, max_length=30),
        ),
        ops.AlterField(
            model_name='AuditLog',
            name='resource_type',
            field=fields.CharEnumField(description='USER: USER\nCOMPANY: COMPANY\nEVENT: EVENT\nVIDEO: VIDEO\nREPORT: REPORT\nSESSION: SESSION\nVEHICLE: VEHICLE\nDEVICE: DEVICE\nWATCHLIST: WATCHLIST', enum_type=ResourceType, max_length=10),
        ),
    ]
