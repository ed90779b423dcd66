import { IsUUID } from 'class-validator';
import { LowerCaseUuid } from '../common/validation/uuid.js';
import { PathParams } from '../common/validation/route-params.js';

@PathParams()
export class MemberPermissionsParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;

  /** User ID of the member */
  @IsUUID('loose')
  @LowerCaseUuid()
  member_user_id: string;
}
