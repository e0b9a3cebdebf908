variable "mount" {
  description = "Path the engine is mounted at."
  type        = string
  default     = "git"
}
