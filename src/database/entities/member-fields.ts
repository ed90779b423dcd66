/** A membership row joined with its user's fields, as the member object of the API shows them. */
export interface MemberFields {
  user_id: string;
  role: string;
  username: string;
  email: string;
  full_name: string | null;
  avatar_url: string | null;
  added_by: string | null;
  created_at: Date;
  updated_at: Date;
}
